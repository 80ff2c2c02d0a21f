/**
 * Pure functions from API wire shapes to the storefront's types. Kept free of
 * I/O so the server (RSC, route handlers) and the browser (SWR) share them and
 * unit tests can feed them contract examples.
 */
import type {
  AdminCategory,
  AdminProduct,
  AdminProductPage,
  ApiCategory,
  ApiCategoryCount,
  ApiOrder,
  ApiPaymentMethod,
  ApiProduct,
  ApiProductImage,
  ApiSearchPage,
  ApiShipment,
  ApiShippingOption,
  ApiShippingQuote,
  ApiStockLevel,
  ApiStockMovement,
  ApiSuggestions,
  ApiUser,
  CancellationCode,
  Category,
  CategoryCount,
  Order,
  OrderPage,
  OrderStatus,
  Page,
  PaymentMethod,
  Product,
  ProductImage,
  SagaStep,
  SearchResults,
  Shipment,
  ShipmentPage,
  ShippingOption,
  ShippingQuote,
  StockHistoryPage,
  StockLevel,
  Suggestions,
  Undone,
  User,
} from "./types";

export function toUser(api: ApiUser): User {
  return { id: api.id, email: api.email, name: api.name, role: api.role };
}

export function toProductImage(api: ApiProductImage): ProductImage {
  return {
    id: api.id,
    alt: api.alt,
    width: api.width,
    height: api.height,
    thumbUrl: api.thumb_url,
    cardUrl: api.card_url,
    largeUrl: api.large_url,
  };
}

export function toProduct(api: ApiProduct, categories: readonly ApiCategory[] = []): Product {
  const category = api.category_id ? categories.find((c) => c.id === api.category_id) : undefined;
  return {
    id: api.id,
    sku: api.sku,
    name: api.name,
    description: api.description,
    categoryId: api.category_id,
    categoryName: category?.name ?? null,
    price: api.price,
    weightGrams: api.weight_grams,
    available: Math.max(0, api.available),
    // Trust `available` over a lagging status: nothing left means out of stock.
    stockStatus: api.available <= 0 ? "out_of_stock" : api.stock_status,
    // An empty alt means the name says what the picture shows; an empty alt attribute would hide it.
    images: api.images.map((image) => ({ ...toProductImage(image), alt: image.alt || api.name })),
  };
}

export function toAdminProduct(api: ApiProduct): AdminProduct {
  return {
    id: api.id,
    sku: api.sku,
    name: api.name,
    slug: api.slug,
    status: api.status,
    description: api.description,
    categoryId: api.category_id,
    attributes: api.attributes.map((a) => ({ name: a.name, value: a.value })),
    price: api.price,
    weightGrams: api.weight_grams,
    available: api.available,
    images: api.images.map(toProductImage),
    createdAt: api.created_at,
  };
}

export function toAdminProductPage(page: ApiSearchPage): AdminProductPage {
  return { products: page.items.map(toAdminProduct), nextCursor: page.next_cursor, total: page.total };
}

export function toAdminCategory(api: ApiCategory): AdminCategory {
  return { ...toCategory(api), slug: api.slug, position: api.position, path: api.path };
}

export function toCategory(api: ApiCategory): Category {
  return { id: api.id, name: api.name, parentId: api.parent_id, depth: api.depth };
}

/**
 * The navigation's categories: the whole tree with each one's count (0 when the facets do
 * not list it, i.e. it holds no match). Without the tree (it failed to load) the facets
 * alone still give every category with matches, in tree order, so each one's parent is the
 * nearest one above it a level higher.
 */
export function categoryCounts(
  facets: readonly ApiCategoryCount[],
  tree: readonly ApiCategory[],
): CategoryCount[] {
  if (tree.length > 0) {
    const counts = new Map(facets.map((f) => [f.id, f.count]));
    return tree.map((c) => ({ ...toCategory(c), count: counts.get(c.id) ?? 0 }));
  }
  const parents: string[] = [];
  return facets.map((f) => {
    parents.length = Math.max(0, f.depth);
    const parentId = f.depth > 0 ? (parents[f.depth - 1] ?? null) : null;
    parents[f.depth] = f.id;
    return { id: f.id, name: f.name, parentId, depth: f.depth, count: f.count };
  });
}

export function toSearchResults(page: ApiSearchPage, tree: readonly ApiCategory[] = []): SearchResults {
  return {
    products: page.items.map((p) => toProduct(p, tree)),
    nextCursor: page.next_cursor,
    total: page.total,
    categories: categoryCounts(page.facets.categories, tree),
    priceBands: page.facets.price_bands.map((b) => ({ min: b.min_minor, max: b.max_minor, count: b.count })),
    availability: {
      inStock: page.facets.availability.in_stock,
      outOfStock: page.facets.availability.out_of_stock,
    },
  };
}

export function toSuggestions(api: ApiSuggestions): Suggestions {
  return {
    products: api.products.map((p) => ({ id: p.id, name: p.name })),
    categories: api.categories.map(toCategory),
  };
}

export function toPaymentMethod(api: ApiPaymentMethod): PaymentMethod {
  return {
    id: api.id,
    brand: api.brand,
    last4: api.last4,
    expMonth: api.exp_month,
    expYear: api.exp_year,
    holderName: api.holder_name,
    isDefault: api.is_default,
  };
}

/** A scan the carrier sent without a place comes as an empty location: none, to the shop. */
export function toShipment(api: ApiShipment): Shipment {
  return {
    id: api.id,
    orderId: api.order_id,
    status: api.status,
    zone: api.zone,
    cost: api.cost,
    destination: api.destination,
    createdAt: api.created_at,
    carrier: api.carrier ?? null,
    trackingNumber: api.tracking_number ?? null,
    journey: api.journey.map((step) => ({ status: step.status, location: step.location || null, at: step.at })),
  };
}

export function toShipmentPage(page: Page<ApiShipment>): ShipmentPage {
  return { shipments: page.items.map(toShipment), nextCursor: page.next_cursor };
}

/** An option as quoted or as charged with an order. */
export function toShippingOption(api: ApiShippingOption): ShippingOption {
  return {
    service: api.service,
    zone: api.zone,
    price: api.price,
    free: api.free,
    minDays: api.min_days,
    maxDays: api.max_days,
  };
}

/** A quote, its options cheapest first as the API lists them. */
export function toShippingQuote(api: ApiShippingQuote): ShippingQuote {
  return { weightGrams: api.weight_grams, itemsValue: api.items_value, options: api.options.map(toShippingOption) };
}

/** A stock level in the admin screens' names. */
export function toStockLevel(api: ApiStockLevel): StockLevel {
  return {
    productId: api.product_id,
    onHand: api.on_hand,
    reserved: api.reserved,
    unavailable: api.unavailable,
    available: api.available,
    lowStockThreshold: api.low_stock_threshold,
  };
}

/** Optional fields the API leaves out (or sends as null or, for a note, empty) become null. */
export function toStockHistoryPage(page: Page<ApiStockMovement>): StockHistoryPage {
  return {
    movements: page.items.map((m) => ({
      sequence: m.sequence,
      at: m.at,
      kind: m.kind,
      onHandChange: m.on_hand_change,
      reservedChange: m.reserved_change,
      unavailableChange: m.unavailable_change,
      onHand: m.on_hand,
      unavailable: m.unavailable,
      available: m.available,
      reason: m.reason || null,
      note: m.note || null,
      orderId: m.order_id ?? null,
      actor: m.actor ?? null,
    })),
    nextCursor: page.next_cursor,
  };
}

/** Statuses in which the place-order saga is still running. */
const PLACING_STATUSES: readonly OrderStatus[] = ["placed", "confirmed"];

/** Whether the place-order saga is still running (the order's live updates follow it). */
export function isBeingPlaced(status: string): boolean {
  return (PLACING_STATUSES as readonly string[]).includes(status);
}

/** A completed order whose cancellation is under way: the cancel-order saga still changes it. */
const CANCELLING: OrderStatus = "cancelling";

/**
 * Whether no saga changes the order any more: completed, cancelled, delivered, and any
 * status added since, which can only come after the sagas.
 */
export function isFinalStatus(status: string): boolean {
  return !isBeingPlaced(status) && status !== CANCELLING;
}

/** Cancellation codes of an order cancelled on request, by its customer or an admin. */
const ON_REQUEST: readonly CancellationCode[] = ["cancelled_by_customer", "cancelled_by_admin"];

/**
 * Reads what was undone from the saga steps: a compensated `reserve_inventory`
 * released the stock, a compensated `process_payment` refunded the payment.
 */
export function undoneBy(steps: readonly SagaStep[]): Undone {
  const compensated = (name: string) =>
    steps.some((s) => s.name === name && s.status === "compensated");
  return {
    stockReleased: compensated("reserve_inventory"),
    paymentRefunded: compensated("process_payment"),
  };
}

/**
 * What was undone on `api`: everything once it is cancelled on request (the cancel-order
 * saga marks it cancelled only after the refund and the release), else what the place-order
 * saga's steps say.
 */
function undoneOn(api: ApiOrder, steps: readonly SagaStep[]): Undone {
  const onRequest = api.status === "cancelled" && (ON_REQUEST as readonly string[]).includes(api.cancellation?.code ?? "");
  return onRequest ? { stockReleased: true, paymentRefunded: true } : undoneBy(steps);
}

export function toOrder(api: ApiOrder): Order {
  const steps: SagaStep[] = api.saga.steps.map((s) => ({
    name: s.name,
    status: s.status,
    detail: s.detail ?? null,
  }));
  return {
    id: api.id,
    customerId: api.customer_id,
    status: api.status,
    inProgress: !isFinalStatus(api.status),
    lines: api.lines.map((l) => ({
      productId: l.product_id,
      name: l.name,
      unitPrice: l.unit_price,
      quantity: l.quantity,
      lineTotal: l.line_total,
    })),
    itemCount: api.lines.reduce((n, l) => n + l.quantity, 0),
    subtotal: api.subtotal,
    shipping: api.shipping ? toShippingOption(api.shipping) : null,
    total: api.total,
    shippingAddress: api.shipping_address,
    paymentId: api.payment_id,
    shipmentId: api.shipment_id,
    cancellation: api.cancellation,
    cancellationRefused: api.cancellation_refused,
    cancellationSagaId: api.cancellation_saga_id,
    refunded: api.refunded,
    refunds: api.refunds.map((r) => ({ id: r.id, amount: r.amount, reason: r.reason, refundedAt: r.refunded_at })),
    sagaStatus: api.saga.status,
    steps,
    undone: undoneOn(api, steps),
    placedAt: api.placed_at,
    updatedAt: api.updated_at,
  };
}

export function toOrderPage(page: Page<ApiOrder>): OrderPage {
  return { orders: page.items.map(toOrder), nextCursor: page.next_cursor };
}
