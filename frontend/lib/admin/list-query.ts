/**
 * The admin lists' state in the URL: the product list's words, status filter and page
 * cursor; the shipment list's status filter and page cursor.
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
export const SHIPMENT_STATUSES: readonly ShipmentStatus[] = ["created", "shipped", "in_transit", "delivered", "cancelled"];

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
