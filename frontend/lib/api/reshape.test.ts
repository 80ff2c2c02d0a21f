import { describe, expect, it } from "vitest";
import {
  apiCategories,
  apiImage,
  apiOrder,
  apiProduct,
  apiSearchPage,
  apiShipment,
  apiShipmentInTransit,
  apiStockLevel,
  steps,
} from "@/test/fixtures";
import {
  isBeingPlaced,
  isFinalStatus,
  toAdminProduct,
  toOrder,
  toProduct,
  toSearchResults,
  toShipment,
  toShipmentPage,
  toStockHistoryPage,
  toStockLevel,
  toSuggestions,
  undoneBy,
} from "./reshape";

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

  it("keeps the gallery's order and names a picture without alt text after the product", () => {
    const cover = apiImage();
    const second = apiImage({ id: "0190a000-0000-7000-8000-0000000001a2", alt: "" });
    const product = toProduct(apiProduct({ images: [cover, second] }));
    expect(product.images).toEqual([
      {
        id: cover.id,
        alt: "A blue mug on a table",
        width: 1200,
        height: 900,
        thumbUrl: cover.thumb_url,
        cardUrl: cover.card_url,
        largeUrl: cover.large_url,
      },
      expect.objectContaining({ id: second.id, alt: "Stoneware Mug", cardUrl: second.card_url }),
    ]);
  });
});

describe("toAdminProduct", () => {
  it("keeps each picture's alt text as the admin wrote it, empty included", () => {
    const product = toAdminProduct(apiProduct({ images: [apiImage({ alt: "" })] }));
    expect(product.images.map((image) => image.alt)).toEqual([""]);
  });
});

describe("toSearchResults", () => {
  it("keeps the page, its cursor and total, and renames the facets", () => {
    const results = toSearchResults(apiSearchPage(), apiCategories);
    expect(results.nextCursor).toBe("r~0~abc");
    expect(results.total).toBe(3);
    expect(results.products).toHaveLength(1);
    expect(results.products[0]?.categoryName).toBe("Kitchen");
    expect(results.priceBands).toEqual([
      { min: 0, max: 1000, count: 0 },
      { min: 1000, max: 2500, count: 3 },
      { min: 2500, max: null, count: 0 },
    ]);
    expect(results.availability).toEqual({ inStock: 2, outOfStock: 1 });
  });

  it("puts the counts on the whole tree, zero where the facets list no match", () => {
    const { categories } = toSearchResults(apiSearchPage(), apiCategories);
    expect(categories.map((c) => [c.name, c.depth, c.count])).toEqual([
      ["Kitchen", 0, 2],
      ["Knives & Boards", 1, 2],
      ["Cookware", 1, 0],
      ["Bath", 0, 1],
    ]);
    expect(categories[1]?.parentId).toBe(apiCategories[0]?.id);
  });

  it("without the tree, rebuilds each category's parent from the facets' order and depth", () => {
    const { categories } = toSearchResults(apiSearchPage(), []);
    expect(categories.map((c) => [c.name, c.parentId])).toEqual([
      ["Kitchen", null],
      ["Knives & Boards", "0190a000-0000-7000-8000-0000000000c1"],
      ["Bath", null],
    ]);
  });
});

describe("toSuggestions", () => {
  it("keeps each product's id and name and each category's place in the tree", () => {
    const suggestions = toSuggestions({
      products: [{ id: "p1", name: "Chef's Knife, 8 inch", slug: "chef-s-knife-8-inch" }],
      categories: apiCategories.slice(1, 2),
    });
    expect(suggestions).toEqual({
      products: [{ id: "p1", name: "Chef's Knife, 8 inch" }],
      categories: [
        { id: "0190a000-0000-7000-8000-0000000000c2", name: "Knives & Boards", parentId: "0190a000-0000-7000-8000-0000000000c1", depth: 1 },
      ],
    });
  });
});

describe("toOrder", () => {
  it("keeps lines, the shipping charged and the totals in minor units, and counts items", () => {
    const order = toOrder(apiOrder());
    expect(order.itemCount).toBe(3);
    expect(order.subtotal).toEqual({ amount_minor: 5248, currency: "USD" });
    expect(order.shipping).toEqual({
      service: "express",
      zone: "domestic",
      price: { amount_minor: 1500, currency: "USD" },
      free: false,
      minDays: 1,
      maxDays: 2,
    });
    expect(order.total).toEqual({ amount_minor: 6748, currency: "USD" });
    expect(toOrder(apiOrder({ shipping: null })).shipping).toBeNull();
    expect(order.lines[0]).toMatchObject({ productId: "0190a000-0000-7000-8000-000000000001", quantity: 2 });
    expect(order.inProgress).toBe(true);
  });

  it("stops being in progress once completed or cancelled", () => {
    expect(toOrder(apiOrder({ status: "confirmed" })).inProgress).toBe(true);
    expect(toOrder(apiOrder({ status: "completed" })).inProgress).toBe(false);
    expect(toOrder(apiOrder({ status: "cancelled" })).inProgress).toBe(false);
    expect(toOrder(apiOrder({ status: "delivered" })).inProgress).toBe(false);
    expect(isFinalStatus("placed")).toBe(false);
  });

  it("is in progress again while a cancellation runs, which is not the order being placed", () => {
    expect(toOrder(apiOrder({ status: "cancelling" })).inProgress).toBe(true);
    expect(isBeingPlaced("cancelling")).toBe(false);
    expect(isBeingPlaced("confirmed")).toBe(true);
  });

  it("keeps why a cancellation was refused", () => {
    const message = "The parcel has left with the carrier (it is shipped); its shipment can no longer be cancelled.";
    const order = toOrder(apiOrder({ status: "completed", cancellation_refused: message }));
    expect(order.cancellationRefused).toBe(message);
    expect(order.inProgress).toBe(false);
    expect(toOrder(apiOrder()).cancellationRefused).toBeNull();
  });

  it("an order cancelled on request was refunded and its stock released, whatever the place-order saga's steps say", () => {
    const done = { status: "completed" as const, steps: steps({ reserve_inventory: "succeeded", process_payment: "succeeded" }) };
    for (const code of ["cancelled_by_customer", "cancelled_by_admin"]) {
      const order = toOrder(apiOrder({ status: "cancelled", cancellation: { code, message: "changed my mind" }, saga: done }));
      expect(order.undone, code).toEqual({ stockReleased: true, paymentRefunded: true });
    }
    // Still cancelling: nothing is undone yet.
    const cancelling = toOrder(apiOrder({ status: "cancelling", saga: done }));
    expect(cancelling.undone).toEqual({ stockReleased: false, paymentRefunded: false });
  });

  it("takes a status it does not know for one after the saga, not one to wait for", () => {
    const order = toOrder(apiOrder({ status: "returned" }));
    expect(order.status).toBe("returned");
    expect(order.inProgress).toBe(false);
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

describe("toShipment", () => {
  it("a parcel waiting to ship has no carrier or tracking number, and one step", () => {
    expect(toShipment(apiShipment())).toEqual({
      id: "0190a000-0000-7000-8000-00000000s001",
      orderId: "0190a000-0000-7000-8000-00000000abcd",
      status: "created",
      zone: "domestic",
      cost: { amount_minor: 500, currency: "USD" },
      destination: { name: "Ada Lovelace", line1: "1 Main St", city: "Springfield", postal_code: "12345", country: "US" },
      createdAt: "2025-01-02T10:00:05Z",
      carrier: null,
      trackingNumber: null,
      journey: [{ status: "created", location: null, at: "2025-01-02T10:00:05Z" }],
    });
  });

  it("keeps the carrier, the tracking number and every step in order, absent fields as null", () => {
    const { carrier, tracking_number, ...bare } = apiShipment();
    expect([carrier, tracking_number]).toEqual([null, null]);
    expect(toShipment(bare)).toMatchObject({ carrier: null, trackingNumber: null });

    const shipment = toShipment(apiShipmentInTransit("Leeds depot", "York hub"));
    expect(shipment).toMatchObject({ status: "in_transit", carrier: "Parcelway", trackingNumber: "PW-123456" });
    expect(shipment.journey.map((s) => [s.status, s.location])).toEqual([
      ["created", null],
      ["shipped", null],
      ["in_transit", "Leeds depot"],
      ["in_transit", "York hub"],
    ]);
  });

  it("reads a scan sent without a place as one with no location", () => {
    const api = apiShipment({
      status: "in_transit",
      journey: [
        { status: "created", at: "2025-01-02T10:00:05Z" },
        { status: "in_transit", location: "", at: "2025-01-04T08:00:00Z" },
      ],
    });
    expect(toShipment(api).journey.map((s) => s.location)).toEqual([null, null]);
  });

  it("a page keeps its order and cursor", () => {
    const page = toShipmentPage({ items: [apiShipmentInTransit(), apiShipment()], next_cursor: "c1" });
    expect(page.shipments.map((s) => s.status)).toEqual(["shipped", "created"]);
    expect(page.nextCursor).toBe("c1");
  });
});

describe("stock", () => {
  it("a level keeps the units set aside apart from those held for orders", () => {
    expect(toStockLevel(apiStockLevel({ unavailable: 3, available: 35 }))).toEqual({
      productId: "0190a000-0000-7000-8000-000000000001",
      onHand: 40,
      reserved: 2,
      unavailable: 3,
      available: 35,
      lowStockThreshold: 5,
    });
  });

  it("a movement keeps the change to the units set aside and how many are after it", () => {
    const page = toStockHistoryPage({
      items: [
        {
          sequence: 7,
          at: "2025-01-05T10:00:00Z",
          kind: "set_aside",
          on_hand_change: 0,
          reserved_change: 0,
          unavailable_change: -2,
          on_hand: 40,
          unavailable: 1,
          available: 37,
          reason: null,
          note: "",
          actor: "0190a000-0000-7000-8000-0000000000ad",
        },
      ],
      next_cursor: null,
    });
    expect(page.movements[0]).toMatchObject({ kind: "set_aside", unavailableChange: -2, unavailable: 1, available: 37, note: null, orderId: null });
  });
});
