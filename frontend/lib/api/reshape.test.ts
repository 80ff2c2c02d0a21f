import { describe, expect, it } from "vitest";
import { apiOrder, apiProduct, steps } from "@/test/fixtures";
import { isFinalStatus, toOrder, toProduct, toProductPage, undoneBy } from "./reshape";

describe("toProduct", () => {
  it("renames fields and resolves the category name", () => {
    const product = toProduct(apiProduct(), [
      {
        id: "0190a000-0000-7000-8000-0000000000c1",
        name: "Kitchen",
        slug: "kitchen",
        parent_id: null,
        position: 0,
        path: "kitchen",
        depth: 0,
      },
    ]);
    expect(product).toMatchObject({
      sku: "MUG-001",
      categoryName: "Kitchen",
      price: { amount_minor: 1999, currency: "USD" },
      weightGrams: 350,
      available: 12,
      stockStatus: "in_stock",
    });
  });

  it("treats nothing available as out of stock even if the status lags", () => {
    const product = toProduct(apiProduct({ available: 0, stock_status: "low_stock" }));
    expect(product.stockStatus).toBe("out_of_stock");
    expect(product.categoryName).toBeNull();
  });

  it("reshapes a page with its cursor", () => {
    const page = toProductPage({ items: [apiProduct()], next_cursor: "abc" });
    expect(page.nextCursor).toBe("abc");
    expect(page.products).toHaveLength(1);
  });
});

describe("toOrder", () => {
  it("keeps lines and totals in minor units and counts items", () => {
    const order = toOrder(apiOrder());
    expect(order.itemCount).toBe(3);
    expect(order.total).toEqual({ amount_minor: 5248, currency: "USD" });
    expect(order.lines[0]).toMatchObject({ productId: "0190a000-0000-7000-8000-000000000001", quantity: 2 });
    expect(order.inProgress).toBe(true);
  });

  it("stops being in progress once completed or cancelled", () => {
    expect(toOrder(apiOrder({ status: "confirmed" })).inProgress).toBe(true);
    expect(toOrder(apiOrder({ status: "completed" })).inProgress).toBe(false);
    expect(toOrder(apiOrder({ status: "cancelled" })).inProgress).toBe(false);
    expect(isFinalStatus("placed")).toBe(false);
  });

  it("a declined payment released the stock but refunded nothing", () => {
    const order = toOrder(
      apiOrder({
        status: "cancelled",
        cancellation: { code: "payment_declined", message: "card declined" },
        saga: {
          status: "compensated",
          steps: steps({ reserve_inventory: "compensated", process_payment: "failed", confirm_order: "pending" }),
        },
      }),
    );
    expect(order.undone).toEqual({ stockReleased: true, paymentRefunded: false });
  });

  it("a shipping failure refunded the payment and released the stock", () => {
    expect(
      undoneBy(
        steps({
          reserve_inventory: "compensated",
          process_payment: "compensated",
          confirm_order: "succeeded",
          create_shipment: "failed",
        }),
      ),
    ).toEqual({ stockReleased: true, paymentRefunded: true });
  });
});
