/**
 * Cancelling an order as plain data: when a shopper or an admin is offered it, the body sent
 * for the reason typed (checked by the API's rules first) and the API's field errors by
 * input. The API has the last word: an order still being placed, delivered, whose parcel
 * left (for a shopper), or whose cancellation was refused before is a 409 shown above the
 * reason.
 */
import type { FieldError } from "./api/problem";
import type { CancelOrderBody, Order, Shipment } from "./api/types";
import { FORM_LEVEL, type FieldErrors, type Parsed, fieldErrorsByInput } from "./admin/product-form";

/** The longest reason the API keeps, in characters. */
export const MAX_REASON = 200;

/** Who is looking at the order: a shopper may cancel until the parcel leaves, the shop until it is delivered. */
export type Canceller = "customer" | "admin";

/**
 * Whether the order page offers "Cancel order": the order is completed, no cancellation was
 * refused before, and its parcel, when the page knows it, is still waiting to ship — or, for
 * an admin, is still on its way (it is then returned to sender).
 */
export function canCancel(order: Order, shipment: Shipment | null, by: Canceller = "customer"): boolean {
  if (order.status !== "completed" || order.cancellationRefused !== null) return false;
  if (shipment === null || shipment.status === "created") return true;
  return by === "admin" && returnsToSender(shipment);
}

/** Whether cancelling now would have the carrier bring the parcel back: it has left and is not delivered yet. */
export function returnsToSender(shipment: Shipment | null): boolean {
  return shipment?.status === "shipped" || shipment?.status === "in_transit";
}

/** The API refuses control characters; line breaks and tabs typed in the box become spaces first. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The body to send for the reason typed (none when left empty), or the error beside it. */
export function toCancelBody(reason: string): Parsed<CancelOrderBody> {
  const text = reason.replace(/\s+/g, " ").trim();
  // Counted as the API counts: characters, not UTF-16 units.
  if ([...text].length > MAX_REASON) {
    return { ok: false, errors: { reason: `Keep the reason to ${MAX_REASON} characters or fewer.` } };
  }
  if (CONTROL.test(text)) return { ok: false, errors: { reason: "The reason cannot hold control characters." } };
  return { ok: true, value: text ? { reason: text } : {} };
}

/** The API's field errors by input: the reason beside its box, anything else above it. */
export function cancelErrorsByInput(errors: readonly FieldError[]): FieldErrors {
  return fieldErrorsByInput(errors, (field) => (field === "reason" ? "reason" : FORM_LEVEL));
}
