import { describe, expect, it } from "vitest";
import { apiOrder, apiShipment, steps } from "@/test/fixtures";
import { toOrder, toShipment } from "./api/reshape";
import {
  cancellationExplanation,
  cancellationTitle,
  momentLabel,
  progressMessage,
  statusLabel,
  stepLabel,
  undoneSentences,
} from "./order-copy";

describe("order copy", () => {
  it("names each moment of an order's history, and one added later in plain words", () => {
    expect(momentLabel("stock_reserved")).toBe("Items reserved");
    expect(momentLabel("shipped")).toBe("Handed to the carrier");
    expect(momentLabel("needs_attention")).toBe("Waiting for our team");
    expect(momentLabel("partially_refunded")).toBe("Partially refunded");
  });

  it("a declined card: stock released, nothing charged", () => {
    const order = toOrder(
      apiOrder({
        status: "cancelled",
        payment_id: "0190a000-0000-7000-8000-0000000000p1",
        cancellation: { code: "payment_declined", message: "declined" },
        saga: { status: "compensated", steps: steps({ reserve_inventory: "compensated", process_payment: "failed" }) },
      }),
    );
    expect(cancellationTitle("payment_declined")).toBe("Order cancelled: Payment declined");
    expect(undoneSentences(order)).toEqual(["The stock reserved for you was released.", "You have not been charged."]);
  });

  it("a parcel returned to sender: the payment given back, the parcel on its way back rather than stock released", () => {
    const order = toOrder(
      apiOrder({ status: "cancelled", cancellation: { code: "cancelled_by_admin", message: "Sent to the wrong address" } }),
    );
    expect(undoneSentences(order, toShipment(apiShipment({ status: "returning" })))).toEqual([
      "Your payment was given back in full.",
      "The parcel had already left: the carrier is bringing it back to us.",
    ]);
    expect(undoneSentences(order, toShipment(apiShipment()))).toEqual([
      "Your payment was given back in full.",
      "The stock reserved for you was released.",
    ]);
  });

  it("no shipping zone: payment refunded and stock released", () => {
    const order = toOrder(
      apiOrder({
        status: "cancelled",
        cancellation: { code: "shipping_unavailable", message: "no zone" },
        saga: {
          status: "compensated",
          steps: steps({
            reserve_inventory: "compensated",
            process_payment: "compensated",
            confirm_order: "succeeded",
            create_shipment: "failed",
          }),
        },
      }),
    );
    expect(undoneSentences(order)).toEqual([
      "Your payment was given back in full.",
      "The stock reserved for you was released.",
    ]);
  });

  it("unknown codes and steps still read as words", () => {
    expect(cancellationTitle("something_new")).toBe("Order cancelled");
    expect(stepLabel("reserve_inventory")).toBe("Reserve stock");
    expect(stepLabel("notify_customer")).toBe("Notify customer");
    expect(statusLabel("delivered")).toBe("Delivered");
    expect(statusLabel("on_hold")).toBe("On hold");
    expect(statusLabel("constructor")).toBe("Constructor");
  });
});

describe("cancellation explanation", () => {
  it("prefers the API's message and falls back to words for the code", () => {
    const withMessage = toOrder(apiOrder({ status: "cancelled", cancellation: { code: "out_of_stock", message: "Not enough stock (4 requested, 3 available)" } }));
    expect(cancellationExplanation(withMessage)).toBe("Not enough stock (4 requested, 3 available).");
    const bare = toOrder(apiOrder({ status: "cancelled", cancellation: { code: "shipping_unavailable", message: "" } }));
    expect(cancellationExplanation(bare)).toBe("None of our shipping zones delivers to the country you entered.");
  });
});

describe("an order cancelled on request", () => {
  const completedSaga = {
    status: "completed" as const,
    steps: steps({ reserve_inventory: "succeeded", process_payment: "succeeded", complete_order: "succeeded" }),
  };

  it("says who cancelled it, with the reason given, and that the payment was refunded", () => {
    const order = toOrder(
      apiOrder({
        status: "cancelled",
        cancellation: { code: "cancelled_by_customer", message: "Ordered the wrong size" },
        saga: completedSaga,
      }),
    );
    expect(cancellationTitle("cancelled_by_customer")).toBe("Order cancelled at your request");
    expect(cancellationTitle("cancelled_by_admin")).toBe("Order cancelled by the shop");
    expect(cancellationExplanation(order)).toBe("Ordered the wrong size.");
    expect(undoneSentences(order)).toEqual(["Your payment was given back in full.", "The stock reserved for you was released."]);
  });

  it("names the cancellation under way and what it does", () => {
    const order = toOrder(apiOrder({ status: "cancelling", saga: completedSaga }));
    expect(statusLabel("cancelling")).toBe("Cancelling");
    expect(progressMessage(order)).toBe("We're cancelling your order: stopping the parcel and giving your payment back…");
  });
});
