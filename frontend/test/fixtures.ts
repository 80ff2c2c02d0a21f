/** Contract-shaped examples (docs/API.md) shared by unit tests. */
import type { ApiOrder, ApiProduct } from "@/lib/api/types";

export function apiProduct(overrides: Partial<ApiProduct> = {}): ApiProduct {
  return {
    id: "0190a000-0000-7000-8000-000000000001",
    sku: "MUG-001",
    name: "Stoneware Mug",
    slug: "stoneware-mug",
    status: "active",
    description: "A sturdy mug.",
    category_id: "0190a000-0000-7000-8000-0000000000c1",
    attributes: [],
    price: { amount_minor: 1999, currency: "USD" },
    weight_grams: 350,
    available: 12,
    stock_status: "in_stock",
    created_at: "2025-01-01T00:00:00Z",
    ...overrides,
  };
}

export function apiOrder(overrides: Partial<ApiOrder> = {}): ApiOrder {
  return {
    id: "0190a000-0000-7000-8000-00000000abcd",
    customer_id: "0190a000-0000-7000-8000-0000000000aa",
    status: "placed",
    lines: [
      {
        product_id: "0190a000-0000-7000-8000-000000000001",
        name: "Stoneware Mug",
        unit_price: { amount_minor: 1999, currency: "USD" },
        quantity: 2,
        line_total: { amount_minor: 3998, currency: "USD" },
      },
      {
        product_id: "0190a000-0000-7000-8000-000000000002",
        name: "Linen Towel",
        unit_price: { amount_minor: 1250, currency: "USD" },
        quantity: 1,
        line_total: { amount_minor: 1250, currency: "USD" },
      },
    ],
    total: { amount_minor: 5248, currency: "USD" },
    shipping_address: {
      name: "Ada Lovelace",
      line1: "1 Main St",
      city: "Springfield",
      postal_code: "12345",
      country: "US",
    },
    payment_method_id: "0190a000-0000-7000-8000-0000000000pm",
    payment_id: null,
    shipment_id: null,
    cancellation: null,
    saga: {
      status: "running",
      steps: [
        { name: "reserve_inventory", status: "in_progress", detail: null },
        { name: "process_payment", status: "pending", detail: null },
        { name: "confirm_order", status: "pending", detail: null },
        { name: "create_shipment", status: "pending", detail: null },
        { name: "complete_order", status: "pending", detail: null },
      ],
    },
    placed_at: "2025-01-02T10:00:00Z",
    updated_at: "2025-01-02T10:00:00Z",
    ...overrides,
  };
}

type Steps = ApiOrder["saga"]["steps"];

export function steps(statuses: Record<string, Steps[number]["status"]>): Steps {
  return Object.entries(statuses).map(([name, status]) => ({ name, status, detail: null }));
}
