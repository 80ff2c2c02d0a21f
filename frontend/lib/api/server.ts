/**
 * Backend calls made on the Next server: server components, the auth route
 * handlers and the `/bff` forwarder. Everything that talks to the Emporium API
 * from the server goes through `call`, so timeouts, auth and error parsing
 * are decided once.
 */
import "server-only";
import { headers as requestHeaders } from "next/headers";
import { type CatalogQuery, toSearchParams } from "../catalog/query";
import { type OrderFilter, filterParams } from "../order-filter";
import { API_TIMEOUT_MS, MAX_BODY_BYTES, apiBaseUrl } from "./config";
import { ApiError, errorFromResponse, unreachable } from "./problem";
import {
  toAdminCategory,
  toAdminProduct,
  toAdminProductPage,
  toOrder,
  toOrderPage,
  toProduct,
  toSearchResults,
  toShipment,
  toShipmentPage,
  toStockHistoryPage,
  toStockLevel,
  toUser,
} from "./reshape";
import type {
  ApiPayment,
  ApiSagaDetail,
  AdminCategory,
  AdminProduct,
  AdminProductPage,
  ApiCategory,
  ApiOrder,
  ApiProduct,
  ApiSearchPage,
  ApiSession,
  ApiShipment,
  ApiStockLevel,
  ApiStockMovement,
  ApiUser,
  LoginBody,
  Order,
  OrderPage,
  Page,
  Product,
  ProductListStatus,
  RegisterBody,
  SearchResults,
  Shipment,
  ShipmentPage,
  ShipmentStatus,
  StockHistoryPage,
  StockLevel,
  StockPage,
  StockRow,
  User,
} from "./types";

interface CallOptions {
  method?: string;
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * The shopper's address as this server received it, for the API's per-address limits
 * (it trusts this server's `X-Forwarded-For`); without it every shopper would share
 * this server's one address. Empty outside a request (build time, unit tests).
 */
async function forwardedFor(): Promise<Record<string, string>> {
  try {
    const value = (await requestHeaders()).get("x-forwarded-for");
    return value ? { "x-forwarded-for": value } : {};
  } catch {
    return {};
  }
}

async function send(path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {
    accept: "application/json",
    ...(await forwardedFor()),
    ...options.headers,
  };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  try {
    return await fetch(`${apiBaseUrl()}${path}`, {
      method: options.method ?? "GET",
      headers,
      body,
      cache: "no-store",
      signal: AbortSignal.timeout(API_TIMEOUT_MS),
    });
  } catch (cause) {
    logUnreachable(path, cause);
    throw unreachable();
  }
}

/** The shopper gets a plain sentence; the server log keeps the real reason. */
function logUnreachable(path: string, cause: unknown) {
  const reason = cause instanceof Error ? `${cause.name}: ${cause.message}${cause.cause ? ` (${String(cause.cause)})` : ""}` : String(cause);
  console.error(`emporium api unreachable: ${path}: ${reason}`);
}

async function call<T>(path: string, options: CallOptions = {}): Promise<T> {
  const response = await send(path, options);
  if (!response.ok) throw await errorFromResponse(response);
  return (await response.json()) as T;
}

function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") search.set(key, String(value));
  }
  const s = search.toString();
  return s ? `?${s}` : "";
}

// --- Auth -------------------------------------------------------------------

export interface SignedIn {
  token: string;
  expiresInSeconds: number;
  refreshToken: string;
  refreshExpiresInSeconds: number;
  user: User;
}

function toSignedIn(session: ApiSession): SignedIn {
  return {
    token: session.access_token,
    expiresInSeconds: session.expires_in,
    refreshToken: session.refresh_token,
    refreshExpiresInSeconds: session.refresh_expires_in,
    user: toUser(session.user),
  };
}

export async function login(body: LoginBody): Promise<SignedIn> {
  return toSignedIn(await call<ApiSession>("/api/v1/auth/login", { method: "POST", body }));
}

export async function register(body: RegisterBody): Promise<SignedIn> {
  return toSignedIn(await call<ApiSession>("/api/v1/auth/register", { method: "POST", body }));
}

/**
 * The next session for a refresh token (which is spent). `forwarded` is the shopper's
 * `X-Forwarded-For` where no request scope provides it (the proxy).
 */
export async function refreshSession(refreshToken: string, forwarded?: string | null): Promise<SignedIn> {
  const headers: Record<string, string> = forwarded ? { "x-forwarded-for": forwarded } : {};
  const body = { refresh_token: refreshToken };
  return toSignedIn(await call<ApiSession>("/api/v1/auth/refresh", { method: "POST", body, headers }));
}

/** Ends the sign-in a refresh token belongs to, on every device that shares it. */
export async function logout(refreshToken: string): Promise<void> {
  const response = await send("/api/v1/auth/logout", { method: "POST", body: { refresh_token: refreshToken } });
  if (!response.ok) throw await errorFromResponse(response);
}

export async function me(token: string): Promise<User> {
  return toUser(await call<ApiUser>("/api/v1/me", { token }));
}

/** The account with this email (admin); null when there is none. */
export async function findUserByEmail(token: string, email: string): Promise<User | null> {
  try {
    return toUser(await call<ApiUser>(`/api/v1/users?${new URLSearchParams({ email })}`, { token }));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

// --- Catalog ----------------------------------------------------------------

/** Products per catalog page. */
export const PAGE_SIZE = 24;

/** Categories are optional decoration; a failure to load them must not break a page. */
async function categoriesOrEmpty(): Promise<ApiCategory[]> {
  try {
    return (await call<{ items: ApiCategory[] }>("/api/v1/categories")).items;
  } catch {
    return [];
  }
}

/**
 * One page of the catalog for a search-and-browse state (see `lib/catalog/query.ts`), with
 * its facet counts placed on the category tree.
 */
export async function searchCatalog(catalogQuery: CatalogQuery, limit = PAGE_SIZE): Promise<SearchResults> {
  const params = toSearchParams(catalogQuery);
  params.set("limit", String(limit));
  const [page, categories] = await Promise.all([
    call<ApiSearchPage>(`/api/v1/products?${params}`),
    categoriesOrEmpty(),
  ]);
  return toSearchResults(page, categories);
}

/** The product, or null when the catalog has no such id. */
export async function getProduct(id: string): Promise<Product | null> {
  try {
    const [product, categories] = await Promise.all([
      call<ApiProduct>(`/api/v1/products/${encodeURIComponent(id)}`),
      categoriesOrEmpty(),
    ]);
    return toProduct(product, categories);
  } catch (e) {
    // An id that is not even a UUID may come back as 400; to a shopper it is simply absent.
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) return null;
    throw e;
  }
}

// --- Catalog administration (admin token) ----------------------------------

/**
 * One page of the catalog as an admin sees it: drafts and archived products too, or only
 * one status (`deleted` for the deleted ones). Admins' answers skip the API's cache.
 */
export async function listAdminProducts(
  token: string,
  options: { q?: string; status?: ProductListStatus | null; cursor?: string | null; limit?: number } = {},
): Promise<AdminProductPage> {
  const page = await call<ApiSearchPage>(
    `/api/v1/products${query({ q: options.q, status: options.status, limit: options.limit ?? 20, cursor: options.cursor })}`,
    { token },
  );
  return toAdminProductPage(page);
}

/** The product whatever its status, or null when there is no such id. */
export async function getAdminProduct(token: string, id: string): Promise<AdminProduct | null> {
  try {
    return toAdminProduct(await call<ApiProduct>(`/api/v1/products/${encodeURIComponent(id)}`, { token }));
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) return null;
    throw e;
  }
}

/** The whole category tree in order; unlike the shop's navigation, a failure is reported. */
export async function listCategories(): Promise<AdminCategory[]> {
  return (await call<{ items: ApiCategory[] }>("/api/v1/categories")).items.map(toAdminCategory);
}

// --- Orders -----------------------------------------------------------------

/** The order, or null when it is absent or belongs to someone else (the API says 404 for both). */
export async function getOrder(token: string, id: string): Promise<Order | null> {
  try {
    return toOrder(await call<ApiOrder>(`/api/v1/orders/${encodeURIComponent(id)}`, { token }));
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) return null;
    throw e;
  }
}

/** An order's payment with its refunds; null when there is none by that id. */
export async function getPayment(token: string, id: string): Promise<ApiPayment | null> {
  try {
    return await call<ApiPayment>(`/api/v1/payments/${encodeURIComponent(id)}`, { token });
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) return null;
    throw e;
  }
}

/** A saga with its whole timeline (admin); null when there is none by that id. */
export async function getSagaDetail(token: string, id: string): Promise<ApiSagaDetail | null> {
  try {
    return await call<ApiSagaDetail>(`/api/v1/admin/sagas/${encodeURIComponent(id)}`, { token });
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) return null;
    throw e;
  }
}

/** A page of orders, newest first, narrowed by `filter` (customer and number: admins only). */
export async function listOrders(
  token: string,
  options: { cursor?: string | null; limit?: number; filter?: OrderFilter } = {},
): Promise<OrderPage> {
  const page = await call<Page<ApiOrder>>(
    `/api/v1/orders${query({ limit: options.limit ?? 20, cursor: options.cursor, ...filterParams(options.filter) })}`,
    { token },
  );
  return toOrderPage(page);
}

export async function getShipment(token: string, id: string): Promise<Shipment> {
  return toShipment(
    await call<ApiShipment>(`/api/v1/shipments/${encodeURIComponent(id)}`, { token }),
  );
}

/** One page of every customer's shipments (admin), newest order first, or only one status. */
export async function listShipments(
  token: string,
  options: { status?: ShipmentStatus | null; cursor?: string | null; limit?: number } = {},
): Promise<ShipmentPage> {
  const page = await call<Page<ApiShipment>>(
    `/api/v1/shipments${query({ status: options.status, limit: options.limit ?? 20, cursor: options.cursor })}`,
    { token },
  );
  return toShipmentPage(page);
}

// --- Stock (admin token) ------------------------------------------------------

/**
 * The levels with their products' names and SKUs. Inventory knows no names, and the catalog
 * has no lookup by many ids, so each product is read on its own, all at once: a page holds at
 * most `limit` of them. A product the catalog no longer shows (deleted) keeps its row, unnamed.
 */
async function withProducts(token: string, levels: readonly ApiStockLevel[]): Promise<StockRow[]> {
  const products = await Promise.all(levels.map((level) => getAdminProduct(token, level.product_id)));
  return levels.map((level, i) => {
    const product = products[i];
    return { level: toStockLevel(level), product: product ? { name: product.name, sku: product.sku } : null };
  });
}

/** One page of every product's stock (admin), in product id order. */
export async function listStockLevels(
  token: string,
  options: { cursor?: string | null; limit?: number } = {},
): Promise<StockPage> {
  const page = await call<Page<ApiStockLevel>>(
    `/api/v1/inventory${query({ limit: options.limit ?? 20, cursor: options.cursor })}`,
    { token },
  );
  return { rows: await withProducts(token, page.items), nextCursor: page.next_cursor };
}

/** Every product at or below its low-stock level (admin), least available first; one list, no pages. */
export async function listStockAlerts(token: string): Promise<StockRow[]> {
  return withProducts(token, await call<ApiStockLevel[]>("/api/v1/inventory/alerts", { token }));
}

/** One product's stock, or null when inventory has no stock item for that id. */
export async function getStockLevel(token: string, productId: string): Promise<StockLevel | null> {
  try {
    return toStockLevel(await call<ApiStockLevel>(`/api/v1/inventory/${encodeURIComponent(productId)}`, { token }));
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 400)) return null;
    throw e;
  }
}

/** One page of a product's stock movements (admin), newest first. */
export async function getStockHistory(
  token: string,
  productId: string,
  options: { cursor?: string | null; limit?: number } = {},
): Promise<StockHistoryPage> {
  const page = await call<Page<ApiStockMovement>>(
    `/api/v1/inventory/${encodeURIComponent(productId)}/history${query({ limit: options.limit ?? 20, cursor: options.cursor })}`,
    { token },
  );
  return toStockHistoryPage(page);
}

// --- Forwarding for the browser (/bff) --------------------------------------

/** Request headers a browser call may pass through to the API. */
const FORWARDED_REQUEST_HEADERS = ["accept", "content-type", "idempotency-key", "x-forwarded-for"];

/**
 * Relays one browser request to the API, adding the session's bearer token.
 * Only `/api/v1/...` paths are reachable, so the browser cannot use the
 * server as an open proxy to other backend endpoints.
 */
export async function forward(
  request: Request,
  segments: readonly string[],
  token: string | null,
): Promise<Response> {
  if (segments[0] !== "api" || segments[1] !== "v1" || segments.some((s) => s === ".." || s === ".")) {
    return problemResponse(404, "Not found", "There is no such API route.");
  }
  if (Number(request.headers.get("content-length")) > MAX_BODY_BYTES) {
    const mib = Math.floor(MAX_BODY_BYTES / (1024 * 1024));
    return problemResponse(413, "Too large", `The request is larger than the shop accepts (about ${mib} MiB).`);
  }
  const source = new URL(request.url);
  const target = `${apiBaseUrl()}/${segments.map(encodeURIComponent).join("/")}${source.search}`;
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value) headers[name] = value;
  }
  if (token) headers.authorization = `Bearer ${token}`;
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers,
      body: hasBody ? await request.arrayBuffer() : undefined,
      cache: "no-store",
      redirect: "manual",
      signal: AbortSignal.timeout(API_TIMEOUT_MS),
    });
  } catch (cause) {
    logUnreachable(`/${segments.join("/")}`, cause);
    const e = unreachable();
    return problemResponse(e.status, e.title, e.detail);
  }
  const responseHeaders = new Headers({ "cache-control": "no-store" });
  const contentType = upstream.headers.get("content-type");
  if (contentType) responseHeaders.set("content-type", contentType);
  const retryAfter = upstream.headers.get("retry-after");
  if (retryAfter) responseHeaders.set("retry-after", retryAfter);
  // A download (the admin's CSV export) keeps its file name.
  const disposition = upstream.headers.get("content-disposition");
  if (disposition) responseHeaders.set("content-disposition", disposition);
  return new Response(upstream.status === 204 ? null : await upstream.arrayBuffer(), {
    status: upstream.status,
    headers: responseHeaders,
  });
}

// --- Pictures on this origin (/api/v1/images) ----------------------------------

const PICTURE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The sizes and encodings a picture's addresses name, e.g. `card.jpg`. */
const PICTURE_FILE = /^(thumb|card|large)\.(jpg|png)$/;
/** Request headers passed on: the browser's cached copy, and the shopper's address for the API's limits. */
const PICTURE_REQUEST_HEADERS = ["if-none-match", "x-forwarded-for"];
/** Response headers passed back, so the browser keeps a picture exactly as long as the API says. */
const PICTURE_RESPONSE_HEADERS = ["content-type", "cache-control", "etag"];

/**
 * One size of a product picture, streamed from the API at the path the API gives it, so
 * pictures load from the shop's own origin (the content policy allows no other). A request
 * that does not name a picture id and one of its files is answered here without asking the
 * API, so this route cannot reach any other API path.
 */
export async function relayPicture(request: Request, imageId: string, file: string): Promise<Response> {
  if (!PICTURE_ID.test(imageId) || !PICTURE_FILE.test(file)) {
    return problemResponse(404, "Not found", "There is no such picture.");
  }
  const path = `/api/v1/images/${imageId}/${file}`;
  const headers: Record<string, string> = {};
  for (const name of PICTURE_REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value) headers[name] = value;
  }
  let upstream: Response;
  try {
    upstream = await fetch(`${apiBaseUrl()}${path}`, {
      headers,
      cache: "no-store",
      redirect: "manual",
      signal: AbortSignal.timeout(API_TIMEOUT_MS),
    });
  } catch (cause) {
    logUnreachable(path, cause);
    const e = unreachable();
    return problemResponse(e.status, e.title, e.detail);
  }
  const responseHeaders = new Headers();
  for (const name of PICTURE_RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value) responseHeaders.set(name, value);
  }
  return new Response(upstream.status === 304 ? null : upstream.body, {
    status: upstream.status,
    headers: responseHeaders,
  });
}

export function problemResponse(status: number, title: string, detail: string): Response {
  return new Response(JSON.stringify({ type: "about:blank", title, status, detail }), {
    status,
    headers: { "content-type": "application/problem+json", "cache-control": "no-store" },
  });
}
