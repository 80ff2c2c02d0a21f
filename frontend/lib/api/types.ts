/**
 * Types for the Emporium REST API v1 and the storefront's own shapes that
 * `lib/api` reshapes them into. `contract.ts` checks the wire types against the
 * schemas generated from the API's OpenAPI document (`schema.d.ts`).
 *
 * Wire types keep the API's snake_case names so a mismatch with the contract
 * is easy to spot; app types are what components consume.
 */

// ---------------------------------------------------------------------------
// Wire types: exactly as docs/API.md describes them.
// ---------------------------------------------------------------------------

/** Integer minor units plus an ISO 4217 currency code; never a float. */
export interface Money {
  amount_minor: number;
  currency: string;
}

/** RFC 9457 problem document; `errors` only on validation problems. */
export interface ProblemDocument {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  /** Machine-readable reason of a refused request, e.g. `shipping_unavailable`. */
  code?: string;
  errors?: { field: string; message: string }[];
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export type Role = "customer" | "admin";

export interface ApiUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

export interface ApiSession {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_token: string;
  refresh_expires_in: number;
  user: ApiUser;
}

export interface RegisterBody {
  email: string;
  password: string;
  name: string;
}

export interface LoginBody {
  email: string;
  password: string;
}

export type StockStatus = "in_stock" | "low_stock" | "out_of_stock";

/** Only an active product is shown to shoppers and sold. */
export type ProductStatus = "draft" | "active" | "archived";

export interface ProductAttribute {
  name: string;
  value: string;
}

/**
 * One picture of a product. Each `*_url` is a path on the API's origin (`/api/v1/images/...`)
 * that never changes what it serves; the storefront answers the same paths (`app/api/v1/images`).
 */
export interface ApiProductImage {
  id: string;
  /** Empty when the product's name says what it shows. */
  alt: string;
  /** Of the large size; the smaller sizes keep its proportions. */
  width: number;
  height: number;
  /** At most 160 px on a side. */
  thumb_url: string;
  /** At most 480 px on a side. */
  card_url: string;
  /** At most 1200 px on a side. */
  large_url: string;
}

export interface ApiProduct {
  id: string;
  sku: string;
  name: string;
  slug: string;
  status: ProductStatus;
  description: string;
  category_id: string | null;
  attributes: ProductAttribute[];
  price: Money;
  weight_grams: number;
  available: number;
  stock_status: StockStatus;
  /** Cover first. */
  images: ApiProductImage[];
  created_at: string;
}

/** `GET /api/v1/products`: a page of matches with facet counts over all of them. */
export interface ApiSearchPage extends Page<ApiProduct> {
  total: number;
  facets: ApiFacets;
}

/** Counts over the matches, each ignoring its own filter. */
export interface ApiFacets {
  categories: ApiCategoryCount[];
  price_bands: ApiPriceBand[];
  availability: { in_stock: number; out_of_stock: number };
}

export interface ApiCategoryCount {
  id: string;
  name: string;
  path: string;
  depth: number;
  count: number;
}

export interface ApiPriceBand {
  min_minor: number;
  /** null for the top band. */
  max_minor: number | null;
  count: number;
}

export interface ApiCategory {
  id: string;
  name: string;
  slug: string;
  /** The category it sits in; null at the top. */
  parent_id: string | null;
  /** Its place among its siblings (lower first). */
  position: number;
  /** Slugs from the top down ("kitchen/cookware"). */
  path: string;
  /** 0 at the top. */
  depth: number;
}

/** `GET /api/v1/products?status=`: admins list one status, or the deleted products. */
export type ProductListStatus = ProductStatus | "deleted";

/** `POST /api/v1/products` (admin). `price` is the API's `PriceInput`, the same two fields as `Money`. */
export interface NewProduct {
  sku: string;
  name: string;
  /** Made from the name (or the SKU) when not given. */
  slug?: string | null;
  description?: string;
  category_id?: string | null;
  price: Money;
  weight_grams: number;
  initial_stock?: number;
  /** `active` unless given. */
  status?: ProductStatus;
  attributes?: ProductAttribute[];
}

/** `PATCH /api/v1/products/{id}` (admin): only the fields given change. */
export interface ProductChanges {
  name?: string;
  slug?: string;
  description?: string;
  /** `null` takes the product out of its category. */
  category_id?: string | null;
  price?: Money;
  weight_grams?: number;
  /** The whole list as it should be. */
  attributes?: ProductAttribute[];
  status?: ProductStatus;
}

/** `POST /api/v1/categories` (admin). */
export interface NewCategory {
  name: string;
  slug: string;
  /** Omitted (or null) for a top-level category. */
  parent_id?: string | null;
  /** Its place among its siblings (lower first; default 0). */
  position?: number;
}

/** `PATCH /api/v1/categories/{id}` (admin): only the fields given change. */
export interface CategoryChanges {
  name?: string;
  slug?: string;
  /** The category to move it into, or `null` to move it to the top. */
  parent_id?: string | null;
  position?: number;
}

/** `GET /api/v1/products/suggestions`: what the search box offers, best first. */
export interface ApiSuggestions {
  products: ApiProductSuggestion[];
  categories: ApiCategory[];
}

export interface ApiProductSuggestion {
  id: string;
  name: string;
  slug: string;
}

export interface NewPaymentMethodBody {
  card_number: string;
  exp_month: number;
  exp_year: number;
  cvc: string;
  holder_name: string;
}

export interface ApiPaymentMethod {
  id: string;
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  holder_name: string;
  created_at: string;
  is_default: boolean;
}

export interface Address {
  name: string;
  line1: string;
  line2?: string | null;
  city: string;
  postal_code: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

/** `returning`: its order was cancelled after it left, and the carrier is bringing it back; `returned`: it is back at the warehouse. */
export type ShipmentStatus = "created" | "shipped" | "in_transit" | "delivered" | "cancelled" | "returning" | "returned";

/** One step of a parcel's journey (`journey` on a shipment). */
export interface ApiShipmentStep {
  status: ShipmentStatus;
  /** Where the carrier scanned it (in transit, or on its way back). */
  location?: string | null;
  at: string;
}

/** What happened to an order at one moment (`GET /orders/{id}/timeline`). */
export type OrderMoment =
  | "placed"
  | "stock_reserved"
  | "paid"
  | "confirmed"
  | "completed"
  | "shipped"
  | "charged"
  | "in_transit"
  | "delivered"
  | "cancellation_requested"
  | "cancellation_refused"
  | "return_requested"
  | "returned"
  | "refunded"
  | "payment_released"
  | "stock_released"
  | "cancelled"
  | "needs_attention";

/** One moment of an order's life, oldest first in its timeline. */
export interface ApiOrderTimelineEntry {
  moment: OrderMoment;
  /** RFC 3339. */
  at: string;
  /** The carrier and tracking number, where the parcel was scanned, or why. */
  detail?: string | null;
}

/** A saga as the operators' API shows it (`GET /admin/sagas/{id}`): where it stands and everything that happened to it. */
export interface ApiSagaDetail {
  saga: {
    saga_id: string;
    saga_type: string;
    context: string;
    status: SagaStatus;
    /** When its awaited answer is due, or its failed compensation is retried. */
    deadline_at?: string | null;
    updated_at: string;
    view: ApiOrder["saga"];
  };
  /** Oldest first. */
  timeline: {
    version: number;
    recorded_at: string;
    /** The event, e.g. `SagaCompensationFailed`. */
    event: string;
    step?: string | null;
    /** What happened, in words. */
    detail: string;
  }[];
}

export interface ApiShipment {
  id: string;
  order_id: string;
  status: ShipmentStatus;
  zone: string;
  /** The service the customer chose. */
  service: ShippingService;
  /** What the carrier charges the shop (the customer's price is the order's `shipping`). */
  cost: Money;
  destination: Address;
  weight_grams: number;
  created_at: string;
  /** Who carries it, once shipped. */
  carrier?: string | null;
  /** The carrier's number for it, once shipped. */
  tracking_number?: string | null;
  /** Every step so far, oldest first. */
  journey: ApiShipmentStep[];
}

/** `POST /api/v1/shipments/{id}/ship` (admin): the parcel goes to the carrier. */
export interface ShipBody {
  /** 1 to 60 characters. */
  carrier: string;
  /** 6 to 40 letters, digits or `-` (upper-cased by the API); one is made when left out. */
  tracking_number?: string | null;
}

/** A product's units as inventory counts them (admin). Inventory knows no names: join the catalog. */
export interface ApiStockLevel {
  product_id: string;
  /** Every unit in the warehouse: available, reserved and unavailable together. */
  on_hand: number;
  /** Held for orders that have not shipped. */
  reserved: number;
  /** Set aside by an admin (damaged, awaiting inspection): on hand, not for sale. */
  unavailable: number;
  /** On hand less reserved and unavailable: what can still be promised. */
  available: number;
  /** The product is low on stock when `available` is at or below it. */
  low_stock_threshold: number;
}

/** Why an admin changed the units on hand (`POST /inventory/{id}/adjustments`). */
export type StockAdjustmentReason = "restock" | "shrinkage" | "damage" | "correction" | "count";

/** The stock movements this storefront has words for; `set_aside` with a negative change puts units back on sale. */
export type StockMovementKind = "opened" | "adjusted" | "set_aside" | "reserved" | "released" | "shipped";

/** One change to a product's stock (`GET /inventory/{id}/history`), newest first. */
export interface ApiStockMovement {
  /** Its place in the product's history (from 1); the cursor of the page after it. */
  sequence: number;
  at: string;
  /** One of {@link StockMovementKind}; kept open so a kind added later still renders. */
  kind: string;
  on_hand_change: number;
  reserved_change: number;
  /** Units set aside (negative: put back on sale, or written off as damaged). */
  unavailable_change: number;
  /** After it. */
  on_hand: number;
  unavailable: number;
  available: number;
  /** A {@link StockAdjustmentReason} on adjustments (free text on ones recorded before reasons were fixed). */
  reason?: string | null;
  note?: string | null;
  /** The order units were held, given back or shipped for. */
  order_id?: string | null;
  /** The admin's user id, on adjustments. */
  actor?: string | null;
}

/** `POST /api/v1/inventory/{id}/adjustments` (admin). */
export interface StockAdjustmentBody {
  /** Non-zero, at most 1,000,000 either way; negative takes units away. */
  delta: number;
  reason: StockAdjustmentReason;
  /** At most 200 characters. */
  note?: string | null;
}

/** `POST /api/v1/inventory/{id}/unavailable` (admin): units taken off sale, or put back on sale. */
export interface SetAsideBody {
  /** Non-zero, at most 1,000,000 either way; positive sets units aside, negative puts them back on sale. */
  delta: number;
  /** At most 200 characters. */
  note?: string | null;
}

/** `PUT /api/v1/inventory/{id}/threshold` (admin). */
export interface ThresholdBody {
  /** 0 to 1,000,000. */
  low_stock_threshold: number;
}

/** How fast a parcel travels, and so what it costs. */
export type ShippingService = "standard" | "express";

/** One way to ship a cart, as quoted and as charged with the order. */
export interface ApiShippingOption {
  service: ShippingService;
  zone: string;
  /** What the customer pays for it: zero when `free`. */
  price: Money;
  /** The shop's free-shipping threshold made it free. */
  free: boolean;
  /** Business days to delivery. */
  min_days: number;
  max_days: number;
}

/** `POST /api/v1/shipping/quotes` (anyone). */
export interface QuoteBody {
  /** ISO 3166-1 alpha-2. */
  country: string;
  lines: { product_id: string; quantity: number }[];
}

/** The answer to a quote; 422 `shipping_unavailable` instead when nothing ships to the country. */
export interface ApiShippingQuote {
  weight_grams: number;
  /** What the items are worth (it decides free shipping). */
  items_value: Money;
  /** Every way to ship the cart, cheapest first. */
  options: ApiShippingOption[];
}

/**
 * The order statuses this storefront has words for. `cancelling`: a completed order whose
 * cancellation is under way; it ends `cancelled`, or `completed` again with
 * `cancellation_refused` when the parcel had already left.
 */
export type OrderStatus = "placed" | "confirmed" | "completed" | "cancelling" | "delivered" | "cancelled";

export type SagaStatus =
  | "running"
  | "completed"
  | "compensating"
  | "compensated"
  | "needs_attention";

export type SagaStepStatus =
  | "pending"
  | "in_progress"
  | "succeeded"
  | "failed"
  | "compensating"
  | "compensated";

export type CancellationCode =
  | "out_of_stock"
  | "payment_declined"
  | "insufficient_funds"
  | "payment_error"
  | "payment_method_invalid"
  | "shipping_unavailable"
  | "timeout"
  | "cancelled_by_customer"
  | "cancelled_by_admin";

export interface ApiOrderLine {
  product_id: string;
  name: string;
  unit_price: Money;
  quantity: number;
  line_total: Money;
}

export interface ApiOrder {
  id: string;
  customer_id: string;
  /**
   * One of {@link OrderStatus}; kept open so a status added later still renders (in neutral
   * words) and is not taken for a saga still running.
   */
  status: string;
  lines: ApiOrderLine[];
  /** What the items cost. */
  subtotal: Money;
  /** The shipping chosen and its price; null when nothing goes to the address. */
  shipping: ApiShippingOption | null;
  /** Items and shipping: what is charged. */
  total: Money;
  shipping_address: Address;
  payment_method_id: string;
  payment_id: string | null;
  shipment_id: string | null;
  /** `code` is one of {@link CancellationCode}; kept open so a new code still renders. */
  cancellation: { code: string; message: string } | null;
  /** Why a cancellation asked for was refused (the parcel had already left); null otherwise. */
  cancellation_refused: string | null;
  /** The cancel-order saga's id, once a cancellation was asked for. */
  cancellation_saga_id: string | null;
  /** Given back by admins so far (a cancellation's refund of the rest shows in the timeline). */
  refunded: Money;
  /** Admins' refunds, oldest first. */
  refunds: ApiOrderRefund[];
  saga: {
    status: SagaStatus;
    /** Sent by the backend (not in docs/API.md); same shape as `cancellation`. */
    failure?: { code: string; message: string } | null;
    steps: { name: string; status: SagaStepStatus; detail: string | null }[];
  };
  placed_at: string;
  updated_at: string;
}

/** Money an admin gave back on an order, and why. */
export interface ApiOrderRefund {
  id: string;
  amount: Money;
  reason: string;
  refunded_at: string;
}

/** A refund an admin asked for, as Payments keeps it. */
export interface ApiRefund {
  id: string;
  payment_id: string;
  amount: Money;
  reason: string;
  /** `pending` until the card gateway answers, then `succeeded` or `failed`. */
  status: "pending" | "succeeded" | "failed";
  /** Why the gateway refused it, when it did. */
  failure: string | null;
  requested_at: string;
  updated_at: string;
}

/** `GET /api/v1/payments/{id}`: an order's payment (its customer, or an admin). */
export interface ApiPayment {
  id: string;
  order_id: string;
  amount: Money | null;
  /**
   * `pending`, `authorized` (held, charged when the order ships), `processed` (captured),
   * `failed`, `refunding`, `refunded`, `released` (cancelled before its capture) or
   * `voided`; kept open.
   */
  status: string;
  failure: { code: string; message: string } | null;
  /** Held on the card and not captured yet. */
  authorized: Money | null;
  /** Charged to the card: what refunds may give back. */
  captured: Money | null;
  /** Given back so far: admins' refunds and a cancellation's refund of the rest. */
  refunded: Money | null;
  /** What an admin may still give back. */
  refundable: Money | null;
  refunds: ApiRefund[];
  updated_at: string;
}

/** `POST /api/v1/payments/{id}/refunds` (admins): without an amount, all that is left. */
export interface RefundBody {
  amount_minor?: number;
  reason: string;
}

export interface PlaceOrderBody {
  lines: { product_id: string; quantity: number }[];
  payment_method_id: string;
  shipping_address: Address;
  /** Standard unless given; must be one the quote offers for the address. */
  shipping_service?: ShippingService;
}

/**
 * `POST /api/v1/orders/{id}/cancel` (the order's customer, or an admin), before its parcel
 * leaves. Without a reason the API says who cancelled it.
 */
export interface CancelOrderBody {
  /** At most 200 characters; shown on the order. */
  reason?: string | null;
}

// ---------------------------------------------------------------------------
// App types: what pages and components work with.
// ---------------------------------------------------------------------------

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
}

/** A picture and the addresses of its sizes (paths this storefront serves too). */
export interface ProductImage {
  id: string;
  alt: string;
  /** Of the large size, so a page can reserve its space before it loads. */
  width: number;
  height: number;
  thumbUrl: string;
  cardUrl: string;
  largeUrl: string;
}

export interface Product {
  id: string;
  sku: string;
  name: string;
  description: string;
  categoryId: string | null;
  /** Filled in when the category list is known; null otherwise. */
  categoryName: string | null;
  price: Money;
  weightGrams: number;
  available: number;
  stockStatus: StockStatus;
  /** Cover first; each `alt` is the product's name where the API's was empty. */
  images: ProductImage[];
}

/** A product as the admin screens show it: every field the API keeps, status included. */
export interface AdminProduct {
  id: string;
  sku: string;
  name: string;
  slug: string;
  status: ProductStatus;
  description: string;
  categoryId: string | null;
  attributes: ProductAttribute[];
  price: Money;
  weightGrams: number;
  available: number;
  /** Cover first, `alt` exactly as the admin wrote it (possibly empty). */
  images: ProductImage[];
  createdAt: string;
}

export interface AdminProductPage {
  products: AdminProduct[];
  nextCursor: string | null;
  /** Matches over every page. */
  total: number;
}

/** A category with its place in the tree (parents come before their children). */
export interface Category {
  id: string;
  name: string;
  parentId: string | null;
  /** 0 at the top. */
  depth: number;
}

/** A category as the admin screens edit it. */
export interface AdminCategory extends Category {
  slug: string;
  /** Its place among its siblings (lower first). */
  position: number;
  /** Slugs from the top down ("kitchen/cookware"). */
  path: string;
}

/** A category in the catalog's navigation, with how many matches it (and those below it) holds. */
export interface CategoryCount extends Category {
  count: number;
}

/** Matches priced from `min` up to, not including, `max` (null: no upper edge); cents. */
export interface PriceBand {
  min: number;
  max: number | null;
  count: number;
}

/** One page of a catalog search, with the counts that help narrow it. */
export interface SearchResults {
  products: Product[];
  nextCursor: string | null;
  /** Matches over every page. */
  total: number;
  /** Every category in tree order, counted over the matches as if no category were chosen. */
  categories: CategoryCount[];
  priceBands: PriceBand[];
  /** Matches that can be bought now and those that cannot, as if stock were not filtered. */
  availability: { inStock: number; outOfStock: number };
}

export interface Suggestions {
  products: { id: string; name: string }[];
  categories: Category[];
}

/** A saved card, as its owner sees it: never more of the number than its last four digits. */
export interface PaymentMethod {
  id: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  holderName: string;
  /** The card checkout offers first; a customer with cards has exactly one. */
  isDefault: boolean;
}

/** A way to ship an order, as quoted at checkout and as charged with the order. */
export interface ShippingOption {
  service: ShippingService;
  zone: string;
  price: Money;
  free: boolean;
  minDays: number;
  maxDays: number;
}

/** What checkout offers for a cart and a country. */
export interface ShippingQuote {
  weightGrams: number;
  itemsValue: Money;
  /** Cheapest first; never empty (an address nothing ships to is an error instead). */
  options: ShippingOption[];
}

export interface ShipmentStep {
  status: ShipmentStatus;
  /** Where the carrier scanned it (in transit only; null when it named no place). */
  location: string | null;
  at: string;
}

export interface Shipment {
  id: string;
  orderId: string;
  status: ShipmentStatus;
  zone: string;
  cost: Money;
  destination: Address;
  createdAt: string;
  /** Null until it is shipped. */
  carrier: string | null;
  trackingNumber: string | null;
  /** Every step so far, oldest first (the first is `created`). */
  journey: ShipmentStep[];
}

export interface ShipmentPage {
  shipments: Shipment[];
  nextCursor: string | null;
}

export interface OrderLine {
  productId: string;
  name: string;
  unitPrice: Money;
  quantity: number;
  lineTotal: Money;
}

export interface SagaStep {
  name: string;
  status: SagaStepStatus;
  detail: string | null;
}

/**
 * What was undone on a cancelled order: read from the place-order saga's compensated steps,
 * or everything when it was cancelled on request (that cancellation ends only once the
 * payment is given back and the stock released).
 */
export interface Undone {
  stockReleased: boolean;
  paymentRefunded: boolean;
}

export interface Order {
  id: string;
  customerId: string;
  /** One of {@link OrderStatus}, or one added since (see `ApiOrder`). */
  status: string;
  /** True while a saga may still change the order (placing it or cancelling it), i.e. it is worth polling. */
  inProgress: boolean;
  lines: OrderLine[];
  itemCount: number;
  subtotal: Money;
  /** Null when nothing goes to the address (the saga then cancels the order). */
  shipping: ShippingOption | null;
  total: Money;
  shippingAddress: Address;
  paymentId: string | null;
  shipmentId: string | null;
  cancellation: { code: string; message: string } | null;
  /** Why a cancellation asked for was refused; the order then stands. */
  cancellationRefused: string | null;
  /** The cancel-order saga's id, once a cancellation was asked for. */
  cancellationSagaId: string | null;
  /** Given back by admins so far. */
  refunded: Money;
  /** Admins' refunds, oldest first. */
  refunds: OrderRefund[];
  sagaStatus: SagaStatus;
  steps: SagaStep[];
  undone: Undone;
  placedAt: string;
  updatedAt: string;
}

/** Money an admin gave back on an order. */
export interface OrderRefund {
  id: string;
  amount: Money;
  reason: string;
  refundedAt: string;
}

export interface OrderPage {
  orders: Order[];
  nextCursor: string | null;
}

/** A product's stock as the admin screens show it. */
export interface StockLevel {
  productId: string;
  onHand: number;
  reserved: number;
  /** Set aside as unavailable: on hand, not for sale. */
  unavailable: number;
  available: number;
  lowStockThreshold: number;
}

/** A stock level with the catalog's name for its product; null when the catalog no longer has it. */
export interface StockRow {
  level: StockLevel;
  product: { name: string; sku: string } | null;
}

/** One page of the stock list. */
export interface StockPage {
  rows: StockRow[];
  nextCursor: string | null;
}

/** One change to a product's stock, as its history shows it. */
export interface StockMovement {
  sequence: number;
  at: string;
  /** One of {@link StockMovementKind}, or one added since. */
  kind: string;
  onHandChange: number;
  reservedChange: number;
  unavailableChange: number;
  onHand: number;
  unavailable: number;
  available: number;
  reason: string | null;
  note: string | null;
  orderId: string | null;
  actor: string | null;
}

/** One page of a product's stock history, newest first. */
export interface StockHistoryPage {
  movements: StockMovement[];
  nextCursor: string | null;
}
