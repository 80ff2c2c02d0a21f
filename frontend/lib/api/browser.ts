/**
 * Backend calls made from the browser. They go to this app's own `/bff`
 * forwarder (which adds the session's bearer token) and `/auth` handlers, so
 * the access token never reaches client-side code.
 */
import { ApiError, errorFromResponse, unreachable } from "./problem";
import {
  toAdminCategory,
  toAdminProduct,
  toOrder,
  toPaymentMethod,
  toProduct,
  toProductImage,
  toShipment,
  toShippingQuote,
  toStockLevel,
  toSuggestions,
} from "./reshape";
import type {
  AdminCategory,
  AdminProduct,
  ApiCategory,
  ApiOrder,
  ApiOrderTimelineEntry,
  ApiPayment,
  ApiPaymentMethod,
  ApiRefund,
  ApiSagaDetail,
  ApiProduct,
  ApiProductImage,
  ApiShipment,
  ApiShippingQuote,
  ApiStockLevel,
  ApiSuggestions,
  CancelOrderBody,
  CategoryChanges,
  LoginBody,
  NewCategory,
  NewPaymentMethodBody,
  NewProduct,
  Order,
  PaymentMethod,
  PlaceOrderBody,
  Product,
  ProductChanges,
  ProductImage,
  QuoteBody,
  RefundBody,
  RegisterBody,
  SetAsideBody,
  ShipBody,
  Shipment,
  ShippingQuote,
  StockAdjustmentBody,
  StockLevel,
  Suggestions,
  ThresholdBody,
  User,
} from "./types";

const BFF = "/bff/api/v1";

async function request<T>(url: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      headers: { accept: "application/json", ...init.headers },
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw unreachable();
  }
  if (!response.ok) throw await errorFromResponse(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

function sendJson<T>(method: "POST" | "PATCH" | "PUT", url: string, body: unknown, headers: Record<string, string> = {}) {
  return request<T>(url, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

function postJson<T>(url: string, body: unknown, headers: Record<string, string> = {}) {
  return sendJson<T>("POST", url, body, headers);
}

// --- Auth (Next route handlers that set the httpOnly session cookie) ---------

/** Signs in; the route handler keeps the token and answers with the user. */
export function signIn(body: LoginBody): Promise<User> {
  return postJson<User>("/auth/sign-in", body);
}

export function signUp(body: RegisterBody): Promise<User> {
  return postJson<User>("/auth/register", body);
}

// --- Catalog, orders, payments (through /bff) --------------------------------

export async function fetchProduct(id: string): Promise<Product> {
  return toProduct(await request<ApiProduct>(`${BFF}/products/${encodeURIComponent(id)}`));
}

/** What the search box offers for the words typed so far. */
export async function fetchSuggestions(text: string): Promise<Suggestions> {
  const search = new URLSearchParams({ q: text });
  return toSuggestions(await request<ApiSuggestions>(`${BFF}/products/suggestions?${search}`));
}

export async function fetchOrder(id: string): Promise<Order> {
  return toOrder(await request<ApiOrder>(`${BFF}/orders/${encodeURIComponent(id)}`));
}

/** The order's moments, oldest first, each with its time. */
export async function fetchOrderTimeline(id: string): Promise<ApiOrderTimelineEntry[]> {
  const timeline = await request<{ items: ApiOrderTimelineEntry[] }>(`${BFF}/orders/${encodeURIComponent(id)}/timeline`);
  return timeline.items;
}

export async function fetchShipment(id: string): Promise<Shipment> {
  return toShipment(await request<ApiShipment>(`${BFF}/shipments/${encodeURIComponent(id)}`));
}

/**
 * How the cart could be shipped to a country, each option with its price and delivery
 * estimate; an `ApiError` with code `shipping_unavailable` when nothing goes there.
 */
export async function quoteShipping(body: QuoteBody): Promise<ShippingQuote> {
  return toShippingQuote(await postJson<ApiShippingQuote>(`${BFF}/shipping/quotes`, body));
}

/** Sends the card once to be tokenised; only the returned id is used afterwards. */
export async function tokeniseCard(card: NewPaymentMethodBody): Promise<PaymentMethod> {
  return toPaymentMethod(await postJson<ApiPaymentMethod>(`${BFF}/payment-methods`, card));
}

/** The signed-in customer's saved cards, oldest first, the default flagged. */
export async function fetchPaymentMethods(): Promise<PaymentMethod[]> {
  const page = await request<{ items: ApiPaymentMethod[] }>(`${BFF}/payment-methods`);
  return page.items.map(toPaymentMethod);
}

/** Removes a saved card; when it was the default, the newest remaining card becomes it. */
export async function removePaymentMethod(id: string): Promise<void> {
  await request<void>(`${BFF}/payment-methods/${encodeURIComponent(id)}`, { method: "DELETE" });
}

/** Makes a saved card the one checkout offers first; answers it as it now reads. */
export async function makeDefaultPaymentMethod(id: string): Promise<PaymentMethod> {
  return toPaymentMethod(await postJson<ApiPaymentMethod>(`${BFF}/payment-methods/${encodeURIComponent(id)}/default`, {}));
}

/**
 * Places the order. Resending the same request with the same `idempotencyKey` gets the
 * API's first answer again instead of a second order; another request needs a new key.
 */
export async function placeOrder(body: PlaceOrderBody, idempotencyKey: string): Promise<Order> {
  return toOrder(
    await postJson<ApiOrder>(`${BFF}/orders`, body, { "idempotency-key": idempotencyKey }),
  );
}

/**
 * Asks to cancel an order before its parcel leaves (its customer, or an admin for any
 * order). The answer is the order as it now reads, `cancelling` while the cancellation runs
 * (or as it was, when it had been asked for already); an `ApiError` 409 says why it cannot be.
 */
export async function cancelOrder(id: string, body: CancelOrderBody): Promise<Order> {
  return toOrder(await postJson<ApiOrder>(`${BFF}/orders/${encodeURIComponent(id)}/cancel`, body));
}

/** An order's payment, with what was given back and what still can be. */
export async function fetchPayment(id: string): Promise<ApiPayment> {
  return request<ApiPayment>(`${BFF}/payments/${encodeURIComponent(id)}`);
}

/**
 * Gives back part or the rest of a payment (admin). Resending the same request with the
 * same `idempotencyKey` answers the first refund instead of making a second; the answer is
 * the refund as the gateway left it (`pending` while it cannot answer). An `ApiError` 409
 * says why nothing more can be refunded.
 */
export async function refundPayment(id: string, body: RefundBody, idempotencyKey: string): Promise<ApiRefund> {
  return postJson<ApiRefund>(`${BFF}/payments/${encodeURIComponent(id)}/refunds`, body, {
    "idempotency-key": idempotencyKey,
  });
}

/**
 * Sends a parked saga's awaited compensation again as a new attempt (admin); the answer is
 * the saga as it now stands. An `ApiError` 409 says it awaits no compensation.
 */
export async function retrySaga(id: string): Promise<ApiSagaDetail> {
  return postJson<ApiSagaDetail>(`${BFF}/admin/sagas/${encodeURIComponent(id)}/retry`, {});
}

// --- Catalog administration (admin session, through /bff) --------------------

export async function createProduct(body: NewProduct): Promise<AdminProduct> {
  return toAdminProduct(await postJson<ApiProduct>(`${BFF}/products`, body));
}

/** Sends only what changed; the answer is the product as it now is. */
export async function updateProduct(id: string, changes: ProductChanges): Promise<AdminProduct> {
  return toAdminProduct(await sendJson<ApiProduct>("PATCH", `${BFF}/products/${encodeURIComponent(id)}`, changes));
}

/** Soft delete: the product leaves the shop, its history stays. */
export async function deleteProduct(id: string): Promise<void> {
  await request<void>(`${BFF}/products/${encodeURIComponent(id)}`, { method: "DELETE" });
}

/**
 * Adds a picture at the end of a product's gallery, telling `onProgress` the share of the
 * upload sent so far (0 to 1). XMLHttpRequest rather than fetch: only it reports the
 * progress of what is sent.
 */
export function uploadProductImage(
  productId: string,
  picture: { file: File; alt: string },
  onProgress: (sent: number) => void,
): Promise<ProductImage> {
  const form = new FormData();
  form.append("file", picture.file);
  if (picture.alt) form.append("alt", picture.alt);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${BFF}/products/${encodeURIComponent(productId)}/images`);
    xhr.setRequestHeader("accept", "application/json");
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      const response = new Response(xhr.responseText, { status: xhr.status });
      resolve(
        response.ok
          ? response.json().then((image: ApiProductImage) => toProductImage(image))
          : errorFromResponse(response).then((error) => Promise.reject(error)),
      );
    };
    xhr.onerror = () => reject(unreachable());
    xhr.send(form);
  });
}

/** Takes a picture out of the gallery; pages that already show it keep loading it. */
export async function removeProductImage(productId: string, imageId: string): Promise<void> {
  await request<void>(`${BFF}/products/${encodeURIComponent(productId)}/images/${encodeURIComponent(imageId)}`, {
    method: "DELETE",
  });
}

export async function createCategory(body: NewCategory): Promise<AdminCategory> {
  return toAdminCategory(await postJson<ApiCategory>(`${BFF}/categories`, body));
}

export async function updateCategory(id: string, changes: CategoryChanges): Promise<AdminCategory> {
  return toAdminCategory(
    await sendJson<ApiCategory>("PATCH", `${BFF}/categories/${encodeURIComponent(id)}`, changes),
  );
}

// --- Shipping (admin session, through /bff) -----------------------------------

/** Hands a parcel waiting to ship to the carrier; the answer is the shipment, now shipped. */
export async function shipShipment(id: string, body: ShipBody): Promise<Shipment> {
  return toShipment(await postJson<ApiShipment>(`${BFF}/shipments/${encodeURIComponent(id)}/ship`, body));
}

// --- Stock (admin session, through /bff) --------------------------------------

/** Adds or takes away units with a reason; the answer is the product's stock after it. */
export async function adjustStock(productId: string, body: StockAdjustmentBody): Promise<StockLevel> {
  return toStockLevel(
    await postJson<ApiStockLevel>(`${BFF}/inventory/${encodeURIComponent(productId)}/adjustments`, body),
  );
}

/** Takes units off sale as unavailable (a positive delta) or puts them back on sale (negative). */
export async function setStockAside(productId: string, body: SetAsideBody): Promise<StockLevel> {
  return toStockLevel(
    await postJson<ApiStockLevel>(`${BFF}/inventory/${encodeURIComponent(productId)}/unavailable`, body),
  );
}

/** Sets the level at or below which the product counts as low on stock. */
export async function setStockThreshold(productId: string, body: ThresholdBody): Promise<StockLevel> {
  return toStockLevel(
    await sendJson<ApiStockLevel>("PUT", `${BFF}/inventory/${encodeURIComponent(productId)}/threshold`, body),
  );
}

/** SWR keys, so every component asking for the same resource shares one cache entry. */
export const keys = {
  product: (id: string) => ["product", id] as const,
  suggestions: (text: string) => ["suggestions", text] as const,
  order: (id: string) => ["order", id] as const,
  /** `version` changes with anything that adds a moment, so the timeline is read again. */
  orderTimeline: (id: string, version: string) => ["order-timeline", id, version] as const,
  shipment: (id: string) => ["shipment", id] as const,
  paymentMethods: () => ["payment-methods"] as const,
  /** `lines` as "id×quantity" pairs, so a changed cart asks again. */
  shippingQuote: (country: string, lines: string) => ["shipping-quote", country, lines] as const,
};

export function isUnauthorized(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
}
