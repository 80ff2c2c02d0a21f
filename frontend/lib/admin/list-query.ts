/**
 * The admin lists' state in the URL: the product list's words, status filter and page
 * cursor; the shipment list's status filter and page cursor; the stock list's "low stock
 * only" and page cursor; a product's stock history page cursor.
 */
import type { ProductListStatus, ShipmentStatus } from "../api/types";

export const LIST_STATUSES: readonly ProductListStatus[] = ["draft", "active", "archived", "deleted"];

export interface AdminListQuery {
  q: string;
  /** null: every product not deleted. */
  status: ProductListStatus | null;
  cursor: string | null;
}

type Params = Record<string, string | string[] | undefined>;

function one(value: string | string[] | undefined): string {
  return typeof value === "string" ? value : "";
}

export function parseAdminListQuery(params: Params): AdminListQuery {
  const status = one(params.status);
  return {
    q: one(params.q).trim(),
    status: (LIST_STATUSES as readonly string[]).includes(status) ? (status as ProductListStatus) : null,
    cursor: one(params.cursor) || null,
  };
}

/** The list's URL for a state, empty values left out. */
export function adminListHref(query: AdminListQuery): string {
  const search = new URLSearchParams();
  if (query.q) search.set("q", query.q);
  if (query.status) search.set("status", query.status);
  if (query.cursor) search.set("cursor", query.cursor);
  const s = search.toString();
  return s ? `/admin/products?${s}` : "/admin/products";
}

/** The shipment list's filters, in the order they are offered (the workflow's order). */
export const SHIPMENT_STATUSES: readonly ShipmentStatus[] = [
  "created",
  "shipped",
  "in_transit",
  "delivered",
  "cancelled",
  "returning",
  "returned",
];

export interface ShipmentListQuery {
  /** null: every shipment. */
  status: ShipmentStatus | null;
  cursor: string | null;
}

export function parseShipmentListQuery(params: Params): ShipmentListQuery {
  const status = one(params.status);
  return {
    status: (SHIPMENT_STATUSES as readonly string[]).includes(status) ? (status as ShipmentStatus) : null,
    cursor: one(params.cursor) || null,
  };
}

export function shipmentListHref(query: ShipmentListQuery): string {
  const search = new URLSearchParams();
  if (query.status) search.set("status", query.status);
  if (query.cursor) search.set("cursor", query.cursor);
  const s = search.toString();
  return s ? `/admin/shipments?${s}` : "/admin/shipments";
}

/** The stock list's state in the URL. */
export interface StockListQuery {
  /** Only the products at or below their low-stock level (the API's alert list, one page). */
  low: boolean;
  /** Ignored with `low`: the alert list has no pages. */
  cursor: string | null;
}

/** Reads the stock list's state; only `low=1` filters, and the alert list has no cursor. */
export function parseStockListQuery(params: Params): StockListQuery {
  const low = one(params.low) === "1";
  return { low, cursor: low ? null : one(params.cursor) || null };
}

/** The stock list's URL for a state, empty values left out. */
export function stockListHref(query: StockListQuery): string {
  if (query.low) return "/admin/stock?low=1";
  return query.cursor ? `/admin/stock?${new URLSearchParams({ cursor: query.cursor })}` : "/admin/stock";
}

/** A product's stock page, at a page of its history (`cursor`, null for the newest). */
export function stockHistoryHref(productId: string, cursor: string | null): string {
  const path = `/admin/stock/${encodeURIComponent(productId)}`;
  return cursor ? `${path}?${new URLSearchParams({ cursor })}` : path;
}

/** The history page cursor of a product's stock page. */
export function parseHistoryCursor(params: Params): string | null {
  return one(params.cursor) || null;
}
