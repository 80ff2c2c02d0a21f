// @vitest-environment jsdom
import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import { SWRConfig } from "swr";
import { afterEach, describe, expect, it, vi } from "vitest";
import { toOrder, toShipment } from "@/lib/api/reshape";
import { apiOrder, apiShipment, apiShipmentInTransit, steps } from "@/test/fixtures";
import { ATTENTION_POLL_MS, OrderLive, POLL_MS, pollInterval } from "./order-live";
import { TRACKING_POLL_MS } from "./shipment-tracking";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.useRealTimers();
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
        if (url.includes("/shipments/")) return json(apiShipment());
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

describe("the order's tracking", () => {
  function renderOrder(order: ReturnType<typeof apiOrder>, shipment: ReturnType<typeof apiShipment>) {
    render(
      <SWRConfig value={{ provider: () => new Map() }}>
        <OrderLive initial={toOrder(order)} shipment={toShipment(shipment)} />
      </SWRConfig>,
    );
  }

  it("shows the carrier, the tracking number and the journey, the latest step marked current", () => {
    vi.stubGlobal("fetch", vi.fn(async () => json(apiShipmentInTransit("Leeds depot"))));
    renderOrder(completed, apiShipmentInTransit("Leeds depot"));
    expect(screen.getByTestId("carrier").textContent).toBe("Parcelway");
    expect(screen.getByTestId("tracking-number").textContent).toBe("PW-123456");
    const journey = screen.getByRole("list", { name: "Parcel journey" });
    const items = within(journey).getAllByRole("listitem");
    expect(items.map((li) => li.textContent)).toEqual([
      "Shipment bookedJan 2, 2025, 10:00 AM UTC",
      "ShippedJan 3, 2025, 9:00 AM UTC",
      "In transit — Leeds depotLatestJan 4, 2025, 8:00 AM UTC",
      "DeliveredNot yet",
    ]);
    expect(items[2]?.getAttribute("aria-current")).toBe("step");
    expect(items.filter((li) => li.hasAttribute("aria-current"))).toHaveLength(1);
  });

  it("re-reads a parcel on its way, and the order too once the parcel has moved", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const calls: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) => {
        calls.push(url);
        if (url.includes("/shipments/")) {
          // The first read (on opening) finds it as the server did; the next, delivered.
          const reads = calls.filter((u) => u.includes("/shipments/")).length;
          if (reads < 2) return json(apiShipmentInTransit("Leeds depot"));
          const moved = apiShipmentInTransit("Leeds depot");
          return json({ ...moved, status: "delivered", journey: [...moved.journey, { status: "delivered", at: "2025-01-05T12:00:00Z" }] });
        }
        return json({ ...completed, status: "delivered" });
      }),
    );
    renderOrder(completed, apiShipmentInTransit("Leeds depot"));
    await vi.advanceTimersByTimeAsync(TRACKING_POLL_MS + 100);
    await waitFor(() => expect(screen.getByTestId("order-status").textContent).toBe("Delivered"));
    const current = within(screen.getByRole("list", { name: "Parcel journey" })).getAllByRole("listitem").at(-1);
    expect(current?.textContent).toContain("Delivered");
    expect(current?.getAttribute("aria-current")).toBe("step");
    expect(screen.getByText("Your order has been delivered.")).toBeTruthy();
  });

  it("says an order status it has no words for, without waiting on it", () => {
    vi.stubGlobal("fetch", vi.fn(async () => json(apiShipment())));
    renderOrder({ ...completed, status: "on_hold" }, apiShipment());
    expect(screen.getByTestId("order-status").textContent).toBe("On hold");
    expect(screen.getByText("Order on hold")).toBeTruthy();
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
