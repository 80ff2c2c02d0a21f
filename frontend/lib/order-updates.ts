/**
 * Live order updates for the browser, which never holds the access token: this server
 * follows the API's GraphQL subscription `orderUpdated(id)` over a WebSocket with the
 * shopper's token, and relays each update to the page as a Server-Sent Event carrying the
 * order as the page shows it. The stream ends with an `end` event once the saga has
 * finished; any failure just closes it, and the page falls back to polling.
 */
import "server-only";
import WebSocket from "ws";
import { apiBaseUrl } from "./api/config";
import { getOrder } from "./api/server";

const SUBSCRIPTION = "subscription($id: UUID!) { orderUpdated(id: $id) { version } }";

/** Longest a page may follow one order before it is asked to reconnect (or poll). */
const MAX_FOLLOW_MS = 10 * 60_000;

export function orderUpdates(token: string, orderId: string, forwardedFor: string | null, signal: AbortSignal) {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const headers: Record<string, string> = forwardedFor ? { "x-forwarded-for": forwardedFor } : {};
      const socket = new WebSocket(`${apiBaseUrl().replace(/^http/, "ws")}/graphql/ws`, "graphql-transport-ws", {
        headers,
      });
      const close = () => {
        if (closed) return;
        closed = true;
        clearTimeout(deadline);
        socket.close();
        controller.close();
      };
      const deadline = setTimeout(close, MAX_FOLLOW_MS);
      const send = (chunk: string) => {
        if (!closed) controller.enqueue(encoder.encode(chunk));
      };
      // Updates are relayed one at a time, in the order they came.
      let relayed: Promise<void> = Promise.resolve();
      signal.addEventListener("abort", close);
      socket.on("open", () => {
        socket.send(JSON.stringify({ type: "connection_init", payload: { Authorization: `Bearer ${token}` } }));
      });
      socket.on("message", (raw) => {
        let message: { type?: string; payload?: { errors?: unknown } };
        try {
          message = JSON.parse(String(raw)) as typeof message;
        } catch {
          return close();
        }
        switch (message.type) {
          case "connection_ack":
            socket.send(
              JSON.stringify({ id: "1", type: "subscribe", payload: { query: SUBSCRIPTION, variables: { id: orderId } } }),
            );
            return;
          case "next":
            if (message.payload?.errors) return close();
            relayed = relayed.then(async () => {
              const order = await getOrder(token, orderId).catch(() => null);
              if (order) send(`data: ${JSON.stringify(order)}\n\n`);
            });
            return;
          case "complete":
            void relayed.then(() => {
              send("event: end\ndata: {}\n\n");
              close();
            });
            return;
          case "ping":
            socket.send(JSON.stringify({ type: "pong" }));
            return;
          default:
            return close();
        }
      });
      socket.on("error", close);
      socket.on("close", close);
    },
  });
}
