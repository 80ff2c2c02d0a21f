/** Loading an order list for a page, the API's refusal of its filter kept to be shown. */
import "server-only";
import { ApiError } from "./api/problem";
import { listOrders } from "./api/server";
import type { OrderPage } from "./api/types";
import { redirectIfUnauthorized } from "./auth-guard";
import { type OrderListQuery, filterRefusal } from "./order-filter";

/**
 * The page of orders `query` selects, or why the API refused it (a bad filter, named as
 * the form labels it); an ended session goes to sign in and back to `here`.
 */
export async function loadOrderList(
  token: string,
  query: OrderListQuery,
  here: string,
): Promise<{ page: OrderPage; refusal: null } | { page: null; refusal: string }> {
  try {
    return { page: await listOrders(token, { cursor: query.cursor, filter: query.filter }), refusal: null };
  } catch (e) {
    redirectIfUnauthorized(e, here);
    if (!(e instanceof ApiError)) throw e;
    return { page: null, refusal: filterRefusal(e.fieldErrors, e.detail) };
  }
}
