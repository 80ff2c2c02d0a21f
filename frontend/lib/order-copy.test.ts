import { describe, expect, it } from "vitest";
import { apiOrder, steps } from "@/test/fixtures";
import { toOrder } from "./api/reshape";
import { cancellationExplanation, cancellationHeadline, statusLabel, stepLabel, undoneSentences } from "./order-copy";

describe("order copy", () => {
  it("a declined card: stock released, nothing charged", () => {
    const order = toOrder(
      apiOrder({
        status: "cancelled",
        payment_id: "0190a000-0000-7000-8000-0000000000p1",
        cancellation: { code: "payment_declined", message: "declined" },
        saga: { status: "compensated", steps: steps({ reserve_inventory: "compensated", process_payment: "failed" }) },
      }),
    );
    expect(cancellationHeadline("payment_declined")).toBe("Payment declined");
    expect(undoneSentences(order)).toEqual(["The stock reserved for you was released.", "You have not been charged."]);
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
      "Your payment was refunded in full.",
      "The stock reserved for you was released.",
    ]);
  });

  it("unknown codes and steps still read as words", () => {
    expect(cancellationHeadline("something_new")).toBe("Order cancelled");
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
