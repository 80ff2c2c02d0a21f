/** Contract-shaped examples (docs/API.md) shared by unit tests. */
import type {
  ApiCategory,
  ApiOrder,
  ApiProduct,
  ApiProductImage,
  ApiSearchPage,
  ApiShipment,
  ApiStockLevel,
} from "@/lib/api/types";

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
    images: [],
    created_at: "2025-01-01T00:00:00Z",
    ...overrides,
  };
}

export function apiImage(overrides: Partial<ApiProductImage> = {}): ApiProductImage {
  const id = overrides.id ?? "0190a000-0000-7000-8000-0000000001a1";
  return {
    id,
    alt: "A blue mug on a table",
    width: 1200,
    height: 900,
    thumb_url: `/api/v1/images/${id}/thumb.jpg`,
    card_url: `/api/v1/images/${id}/card.jpg`,
    large_url: `/api/v1/images/${id}/large.jpg`,
    ...overrides,
  };
}

/** Kitchen > Knives & Boards, Kitchen > Cookware, and Bath, in tree order. */
export const apiCategories: ApiCategory[] = [
  { id: "0190a000-0000-7000-8000-0000000000c1", name: "Kitchen", slug: "kitchen", parent_id: null, position: 0, path: "kitchen", depth: 0 },
  {
    id: "0190a000-0000-7000-8000-0000000000c2",
    name: "Knives & Boards",
    slug: "knives-and-boards",
    parent_id: "0190a000-0000-7000-8000-0000000000c1",
    position: 0,
    path: "kitchen/knives-and-boards",
    depth: 1,
  },
  {
    id: "0190a000-0000-7000-8000-0000000000c3",
    name: "Cookware",
    slug: "cookware",
    parent_id: "0190a000-0000-7000-8000-0000000000c1",
    position: 1,
    path: "kitchen/cookware",
    depth: 1,
  },
  { id: "0190a000-0000-7000-8000-0000000000c4", name: "Bath", slug: "bath", parent_id: null, position: 1, path: "bath", depth: 0 },
];

export function apiSearchPage(overrides: Partial<ApiSearchPage> = {}): ApiSearchPage {
  return {
    items: [apiProduct()],
    next_cursor: "r~0~abc",
    total: 3,
    facets: {
      categories: [
        { id: "0190a000-0000-7000-8000-0000000000c1", name: "Kitchen", path: "kitchen", depth: 0, count: 2 },
        { id: "0190a000-0000-7000-8000-0000000000c2", name: "Knives & Boards", path: "kitchen/knives-and-boards", depth: 1, count: 2 },
        { id: "0190a000-0000-7000-8000-0000000000c4", name: "Bath", path: "bath", depth: 0, count: 1 },
      ],
      price_bands: [
        { min_minor: 0, max_minor: 1000, count: 0 },
        { min_minor: 1000, max_minor: 2500, count: 3 },
        { min_minor: 2500, max_minor: null, count: 0 },
      ],
      availability: { in_stock: 2, out_of_stock: 1 },
    },
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
    subtotal: { amount_minor: 5248, currency: "USD" },
    shipping: { service: "express", zone: "domestic", price: { amount_minor: 1500, currency: "USD" }, free: false, min_days: 1, max_days: 2 },
    total: { amount_minor: 6748, currency: "USD" },
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
    cancellation_refused: null,
    cancellation_saga_id: null,
    refunded: { amount_minor: 0, currency: "USD" },
    refunds: [],
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

/** A parcel waiting to ship: booked, no carrier yet. */
export function apiShipment(overrides: Partial<ApiShipment> = {}): ApiShipment {
  return {
    id: "0190a000-0000-7000-8000-00000000s001",
    order_id: "0190a000-0000-7000-8000-00000000abcd",
    status: "created",
    zone: "domestic",
    service: "standard",
    cost: { amount_minor: 500, currency: "USD" },
    destination: { name: "Ada Lovelace", line1: "1 Main St", city: "Springfield", postal_code: "12345", country: "US" },
    weight_grams: 1200,
    created_at: "2025-01-02T10:00:05Z",
    carrier: null,
    tracking_number: null,
    journey: [{ status: "created", location: null, at: "2025-01-02T10:00:05Z" }],
    ...overrides,
  };
}

/** The same parcel handed to Parcelway and scanned in `locations` on its way. */
export function apiShipmentInTransit(...locations: string[]): ApiShipment {
  return apiShipment({
    status: locations.length ? "in_transit" : "shipped",
    carrier: "Parcelway",
    tracking_number: "PW-123456",
    journey: [
      { status: "created", location: null, at: "2025-01-02T10:00:05Z" },
      { status: "shipped", location: null, at: "2025-01-03T09:00:00Z" },
      ...locations.map((location, i) => ({ status: "in_transit" as const, location, at: `2025-01-0${4 + i}T08:00:00Z` })),
    ],
  });
}

/** The mug's stock: 40 on hand, 2 of them held for an order, none set aside, low at 5. */
export function apiStockLevel(overrides: Partial<ApiStockLevel> = {}): ApiStockLevel {
  return {
    product_id: "0190a000-0000-7000-8000-000000000001",
    on_hand: 40,
    reserved: 2,
    unavailable: 0,
    available: 38,
    low_stock_threshold: 5,
    ...overrides,
  };
}
