// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { SWRConfig } from "swr";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { toOrder, toShipment } from "@/lib/api/reshape";
import { apiOrder, apiShipment, apiShipmentInTransit, steps } from "@/test/fixtures";
import { ATTENTION_POLL_MS, OrderLive, POLL_MS, pollInterval } from "./order-live";
import { TRACKING_POLL_MS } from "./shipment-tracking";
import { openDialogsInJsdom } from "@/test/dialog";

beforeAll(openDialogsInJsdom);

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
  it("polls a running order until it completes, then stops, its history read again as it moves", async () => {
    const orderCalls: string[] = [];
    let historyReads = 0;
    const moments = ["placed", "stock_reserved", "paid", "confirmed", "completed"];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) => {
        if (url.includes("/shipments/")) return json(apiShipment());
        if (url.endsWith("/timeline")) {
          historyReads += 1;
          const shown = historyReads === 1 ? moments.slice(0, 1) : moments;
          return json({ items: shown.map((moment) => ({ moment, at: "2026-12-04T10:00:00Z", detail: null })) });
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
    await waitFor(() => expect(screen.getAllByTestId("timeline-moment")).toHaveLength(5));
    expect(screen.getByRole("list", { name: "Order history" }).textContent).toContain("Parcel booked");
    expect(historyReads).toBeGreaterThan(1);
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

describe("cancelling the order", () => {
  function problem(status: number, body: unknown) {
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/problem+json" } });
  }

  function renderOrder(order: ReturnType<typeof apiOrder>, shipment: ReturnType<typeof apiShipment>) {
    render(
      <SWRConfig value={{ provider: () => new Map() }}>
        <OrderLive initial={toOrder(order)} shipment={toShipment(shipment)} />
      </SWRConfig>,
    );
  }

  it("asks first, shows the API's refusals in the dialog, then follows the cancellation until the order is cancelled", async () => {
    const cancelUrl = `/bff/api/v1/orders/${completed.id}/cancel`;
    const answers = [
      problem(409, { title: "Conflict", status: 409, detail: `order ${completed.id} is still being placed; it can be cancelled once it is completed` }),
      problem(422, {
        title: "Invalid request",
        status: 422,
        detail: "the request has invalid fields",
        errors: [{ field: "reason", message: "must be at most 200 characters, without control characters" }],
      }),
      json({ ...completed, status: "cancelling" }, 202),
    ];
    const booked = apiShipment();
    const calledBack = apiShipment({
      status: "cancelled",
      journey: [...booked.journey, { status: "cancelled", location: null, at: "2025-01-02T11:00:00Z" }],
    });
    const sent: unknown[] = [];
    let orderReads = 0;
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init: RequestInit = {}) => {
        if (url === cancelUrl) {
          sent.push(JSON.parse(String(init.body)));
          return answers.shift();
        }
        if (url.includes("/shipments/")) return json(orderReads > 1 ? calledBack : apiShipment());
        orderReads += 1;
        if (orderReads < 2) return json({ ...completed, status: "cancelling" });
        return json({
          ...completed,
          status: "cancelled",
          cancellation: { code: "cancelled_by_customer", message: "Ordered the wrong size" },
        });
      }),
    );
    renderOrder(completed, apiShipment());

    const open = screen.getByRole("button", { name: "Cancel order" });
    fireEvent.click(open);
    const dialog = screen.getByRole("dialog", { name: "Cancel order #0000ABCD?" });
    const reason = within(dialog).getByLabelText("Reason (optional)");
    expect(document.activeElement).toBe(reason);

    // "Keep order" closes it without asking the API anything.
    fireEvent.click(within(dialog).getByRole("button", { name: "Keep order" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(sent).toHaveLength(0);

    fireEvent.click(open);
    const again = screen.getByRole("dialog", { name: "Cancel order #0000ABCD?" });
    fireEvent.change(within(again).getByLabelText("Reason (optional)"), { target: { value: "Ordered the\nwrong size" } });
    fireEvent.click(within(again).getByRole("button", { name: "Cancel order" }));
    await waitFor(() =>
      expect(within(again).getByRole("alert").textContent).toContain("it can be cancelled once it is completed."),
    );
    expect(within(again).getByRole("alert").textContent).toContain("We couldn't cancel this order");

    fireEvent.click(within(again).getByRole("button", { name: "Cancel order" }));
    const error = await within(again).findByText("Must be at most 200 characters, without control characters.");
    expect(error.id).toBe("cancel-reason-error");
    expect(within(again).getByLabelText("Reason (optional)").getAttribute("aria-invalid")).toBe("true");

    fireEvent.click(within(again).getByRole("button", { name: "Cancel order" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(sent).toEqual([
      { reason: "Ordered the wrong size" },
      { reason: "Ordered the wrong size" },
      { reason: "Ordered the wrong size" },
    ]);
    expect(screen.getByTestId("order-status").textContent).toBe("Cancelling");
    expect(screen.getByTestId("order-outcome").textContent).toContain("We're cancelling your order");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("order-outcome")));
    expect(screen.queryByRole("button", { name: "Cancel order" })).toBeNull();

    await waitFor(() => expect(screen.getByTestId("order-status").textContent).toBe("Cancelled"), { timeout: 4000 });
    const outcome = screen.getByTestId("order-outcome");
    expect(within(outcome).getByRole("alert").textContent).toContain("Order cancelled at your request");
    expect(screen.getByTestId("cancellation-reason").textContent).toBe("Ordered the wrong size.");
    expect(screen.getByTestId("undone").textContent).toContain("Your payment was given back in full.");
    // The parcel is read again with the order, and shows it was called back.
    await waitFor(() =>
      expect(within(screen.getByRole("list", { name: "Parcel journey" })).getAllByRole("listitem").at(-1)?.textContent).toContain(
        "Cancelled",
      ),
    );
  });

  it("is not offered once the parcel has left, and says why a cancellation was refused", () => {
    const message = "The parcel has left with the carrier (it is shipped); its shipment can no longer be cancelled.";
    vi.stubGlobal("fetch", vi.fn(async () => json(apiShipmentInTransit())));
    renderOrder({ ...completed, cancellation_refused: message }, apiShipmentInTransit());
    expect(screen.queryByRole("button", { name: "Cancel order" })).toBeNull();
    expect(screen.getByText("We couldn't cancel this order")).toBeTruthy();
    expect(screen.getByTestId("cancellation-refused").textContent).toBe(message);
    expect(screen.getByTestId("order-status").textContent).toBe("Completed");
  });

  it("is not offered for a parcel that has left, even without a refusal", () => {
    vi.stubGlobal("fetch", vi.fn(async () => json(apiShipmentInTransit())));
    renderOrder(completed, apiShipmentInTransit());
    expect(screen.queryByRole("button", { name: "Cancel order" })).toBeNull();
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
    expect(pollInterval(toOrder({ ...completed, status: "cancelling" }))).toBe(POLL_MS);
  });
});
