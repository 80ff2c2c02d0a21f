/**
 * Order lists' filters in the URL, as the shopper's history and the admin's order list
 * offer them: status, days placed and, for admins, customer (by id or email) and order
 * number. The API checks them (a 422 names a bad one); here they are only read and
 * written back. The API knows customers by id: an email is looked up first (`order-list`).
 */
import type { OrderStatus } from "./api/types";

export const FILTER_STATUSES: readonly OrderStatus[] = ["placed", "confirmed", "completed", "cancelling", "delivered", "cancelled"];

export interface OrderFilter {
  status: string;
  /** `YYYY-MM-DD`, as a date input gives it. */
  placedFrom: string;
  placedTo: string;
  customerId: string;
  /** A customer's email, for admins; turned into `customerId` before the API is asked. */
  customerEmail: string;
  /** The 8 characters shown after `#`. */
  number: string;
}

export interface OrderListQuery {
  filter: OrderFilter;
  cursor: string | null;
}

type Params = Record<string, string | string[] | undefined>;

function one(value: string | string[] | undefined): string {
  return typeof value === "string" ? value.trim() : "";
}

export function parseOrderListQuery(params: Params): OrderListQuery {
  return {
    filter: {
      status: one(params.status),
      placedFrom: one(params.placed_from),
      placedTo: one(params.placed_to),
      customerId: one(params.customer_id),
      customerEmail: one(params.customer_email),
      number: one(params.number).replace(/^#/, ""),
    },
    cursor: one(params.cursor) || null,
  };
}

function nonEmpty(params: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).filter(([, value]) => value !== ""));
}

/** The filter as the API's query parameters (an email is not one); empty fields are left out. */
export function filterParams(filter: OrderFilter | undefined): Record<string, string> {
  if (!filter) return {};
  return nonEmpty({
    status: filter.status,
    placed_from: filter.placedFrom,
    placed_to: filter.placedTo,
    customer_id: filter.customerId,
    number: filter.number,
  });
}

/** The filter as the page's own query: the API's parameters and the email. */
function pageParams(filter: OrderFilter): Record<string, string> {
  return nonEmpty({ ...filterParams(filter), customer_email: filter.customerEmail });
}

/** Whether any field narrows the list. */
export function isFiltered(filter: OrderFilter): boolean {
  return Object.keys(pageParams(filter)).length > 0;
}

/** `base` with the filter and cursor as its query. */
export function orderListHref(base: string, query: OrderListQuery): string {
  const search = new URLSearchParams(pageParams(query.filter));
  if (query.cursor) search.set("cursor", query.cursor);
  const s = search.toString();
  return s ? `${base}?${s}` : base;
}

const FIELD_LABEL: Record<string, string> = {
  status: "Status",
  placed_from: "Placed from",
  placed_to: "Placed to",
  customer_id: "Customer id",
  customer_email: "Customer email",
  number: "Order number",
};

/** Why the API refused a filter, each field named as the form labels it. */
export function filterRefusal(fieldErrors: readonly { field: string; message: string }[], detail: string): string {
  if (fieldErrors.length === 0) return detail;
  return fieldErrors.map(({ field, message }) => `${FIELD_LABEL[field] ?? field} ${message}.`).join(" ");
}
