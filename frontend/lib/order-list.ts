/** Loading an order list for a page, the API's refusal of its filter kept to be shown. */
import "server-only";
import { ApiError } from "./api/problem";
import { findUserByEmail, listOrders } from "./api/server";
import type { OrderPage } from "./api/types";
import { redirectIfUnauthorized } from "./auth-guard";
import { type OrderFilter, type OrderListQuery, filterRefusal } from "./order-filter";

/**
 * `filter` with its customer email (admins) turned into the customer's id, which is what
 * the API narrows by; or why it cannot be: no account has that email, it is not an email,
 * or it names another customer than the id given too.
 */
export async function withCustomerByEmail(
  token: string,
  filter: OrderFilter,
  here: string,
): Promise<{ filter: OrderFilter; refusal: null } | { filter: null; refusal: string }> {
  if (!filter.customerEmail) return { filter, refusal: null };
  let customer;
  try {
    customer = await findUserByEmail(token, filter.customerEmail);
  } catch (e) {
    redirectIfUnauthorized(e, here);
    if (!(e instanceof ApiError)) throw e;
    return { filter: null, refusal: filterRefusal(e.fieldErrors.map((f) => ({ ...f, field: "customer_email" })), e.detail) };
  }
  if (!customer) return { filter: null, refusal: `No account has the email ${filter.customerEmail}.` };
  if (filter.customerId && filter.customerId !== customer.id) {
    return { filter: null, refusal: "The customer id and the customer email name different customers." };
  }
  return { filter: { ...filter, customerId: customer.id }, refusal: null };
}

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
