// @vitest-environment jsdom
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { SWRConfig } from "swr";
import { afterEach, describe, expect, it, vi } from "vitest";
import { toOrder } from "@/lib/api/reshape";
import { apiOrder, steps } from "@/test/fixtures";
import { ATTENTION_POLL_MS, OrderLive, POLL_MS, pollInterval } from "./order-live";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const completed = apiOrder({
  status: "completed",
  payment_id: "pay-1",
  shipment_id: "0190a000-0000-7000-8000-00000000s001",
  saga: {
    status: "completed",
    steps: steps({
      reserve_inventory: "succeeded",
      process_payment: "succeeded",
      confirm_order: "succeeded",
      create_shipment: "succeeded",
      complete_order: "succeeded",
    }),
  },
});

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

describe("OrderLive", () => {
  it("polls a running order until it completes, then stops", async () => {
    const orderCalls: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) => {
        if (url.includes("/shipments/")) {
          return json({
            id: completed.shipment_id,
            order_id: completed.id,
            status: "created",
            zone: "domestic",
            cost: { amount_minor: 500, currency: "USD" },
            destination: completed.shipping_address,
            created_at: completed.updated_at,
          });
        }
        orderCalls.push(url);
        // Still "placed" on the first re-read: polling must go on from there.
        if (orderCalls.length < 2) return json(apiOrder());
        return json(orderCalls.length < 3 ? apiOrder({ status: "confirmed" }) : completed);
      }),
    );
    render(
      <SWRConfig value={{ provider: () => new Map() }}>
        <OrderLive initial={toOrder(apiOrder())} />
      </SWRConfig>,
    );
    expect(screen.getByTestId("order-status").textContent).toBe("Placed");
    await waitFor(() => expect(screen.getByTestId("order-status").textContent).toBe("Completed"), { timeout: 4000 });
    expect(screen.getByTestId("shipment-id").textContent).toBe(completed.shipment_id);
    await waitFor(() => expect(screen.getByTestId("shipment-zone").textContent).toBe("domestic"));
    const callsAtCompletion = orderCalls.length;
    await new Promise((r) => setTimeout(r, 1200));
    expect(orderCalls.length).toBe(callsAtCompletion);
    expect(orderCalls[0]).toBe(`/bff/api/v1/orders/${completed.id}`);
  });

  it("explains a cancelled order and what was undone", () => {
    vi.stubGlobal("fetch", vi.fn(async () => json({})));
    const cancelled = toOrder(
      apiOrder({
        status: "cancelled",
        cancellation: { code: "payment_declined", message: "declined" },
        saga: { status: "compensated", steps: steps({ reserve_inventory: "compensated", process_payment: "failed" }) },
      }),
    );
    render(
      <SWRConfig value={{ provider: () => new Map() }}>
        <OrderLive initial={cancelled} />
      </SWRConfig>,
    );
    expect(screen.getByRole("alert").textContent).toContain("Order cancelled: Payment declined");
    expect(screen.getByTestId("undone").textContent).toContain("The stock reserved for you was released.");
  });
});

describe("pollInterval", () => {
  it("re-reads a running order often, one flagged for attention slowly, a finished one never", () => {
    expect(pollInterval(toOrder(apiOrder()))).toBe(POLL_MS);
    const flagged = apiOrder({
      saga: { status: "needs_attention", steps: steps({ reserve_inventory: "compensating", process_payment: "failed" }) },
    });
    expect(pollInterval(toOrder(flagged))).toBe(ATTENTION_POLL_MS);
    expect(pollInterval(toOrder(completed))).toBe(0);
  });
});
