/** The admin product list's state in the URL: words, status filter and page cursor. */
import type { ProductListStatus } from "../api/types";

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
