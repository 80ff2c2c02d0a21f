/**
 * Plain-words copy for order states, shared by the order page and history so
 * a shopper reads the same words everywhere.
 */
import type { Order, OrderMoment, OrderStatus, SagaStepStatus, Shipment, ShipmentStatus } from "./api/types";

/** "on_hold" → "On hold": the words for a name this storefront has none of its own for. */
function asWords(name: string): string {
  return name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
}

const STATUS_LABEL: Record<OrderStatus, string> = {
  placed: "Placed",
  confirmed: "Confirmed",
  completed: "Completed",
  cancelling: "Cancelling",
  delivered: "Delivered",
  cancelled: "Cancelled",
};

/** An order status in words, a status added since this storefront was built included. */
export function statusLabel(status: string): string {
  return Object.hasOwn(STATUS_LABEL, status) ? STATUS_LABEL[status as OrderStatus] : asWords(status);
}

const CANCELLATION_HEADLINE: Record<string, string> = {
  out_of_stock: "Out of stock",
  payment_declined: "Payment declined",
  insufficient_funds: "Insufficient funds",
  payment_error: "Payment could not be processed",
  payment_method_invalid: "Payment method not accepted",
  shipping_unavailable: "We can't ship to this address",
  timeout: "The order timed out",
};

const CANCELLATION_EXPLANATION: Record<string, string> = {
  out_of_stock: "We didn't have enough stock for every item in this order.",
  payment_declined: "Your card issuer declined the payment.",
  insufficient_funds: "The card did not have enough funds for this order.",
  payment_error: "The payment processor kept failing, so we stopped trying.",
  payment_method_invalid: "The payment method could not be used for this order.",
  shipping_unavailable: "None of our shipping zones delivers to the country you entered.",
  timeout: "Part of the order process didn't answer in time.",
  cancelled_by_customer: "You asked us to cancel this order.",
  cancelled_by_admin: "The shop cancelled this order.",
};

/** Who cancelled an order cancelled on request, as its title says it. */
const CANCELLED_ON_REQUEST: Record<string, string> = {
  cancelled_by_customer: "Order cancelled at your request",
  cancelled_by_admin: "Order cancelled by the shop",
};

/** The title of a cancelled order's notice: who cancelled it, or what went wrong (when known). */
export function cancellationTitle(code: string): string {
  const onRequest = CANCELLED_ON_REQUEST[code];
  if (onRequest) return onRequest;
  const headline = CANCELLATION_HEADLINE[code];
  return headline ? `Order cancelled: ${headline}` : "Order cancelled";
}

/** The API's own message (written for people, e.g. "We do not ship to AQ."), else ours for the code. */
export function cancellationExplanation(order: Order): string {
  const message = order.cancellation?.message?.trim();
  if (message) return /[.!?]$/.test(message) ? message : `${message}.`;
  return CANCELLATION_EXPLANATION[order.cancellation?.code ?? ""] ?? "The order could not be completed.";
}

/**
 * Sentences listing what the saga undid, e.g. "The reserved stock was released." A parcel
 * that had left (`parcel` returning or returned) took the items with it: the shop is having it
 * brought back, which is said instead.
 */
export function undoneSentences(order: Order, parcel: Shipment | null = null): string[] {
  const sentences: string[] = [];
  const calledBack = parcel?.status === "returning" || parcel?.status === "returned";
  if (order.undone.paymentRefunded) sentences.push("Your payment was given back in full.");
  if (calledBack) sentences.push("The parcel had already left: the carrier is bringing it back to us.");
  else if (order.undone.stockReleased) sentences.push("The stock reserved for you was released.");
  const payment = order.steps.find((s) => s.name === "process_payment");
  const charged = payment?.status === "succeeded" || payment?.status === "compensating";
  if (order.status === "cancelled" && !order.undone.paymentRefunded && !charged) {
    sentences.push("You have not been charged.");
  }
  return sentences;
}

export const STEP_LABEL: Record<string, string> = {
  place_order: "Order received",
  reserve_inventory: "Reserve stock",
  process_payment: "Take payment",
  confirm_order: "Confirm order",
  create_shipment: "Create shipment",
  complete_order: "Complete order",
};

export function stepLabel(name: string): string {
  return STEP_LABEL[name] ?? asWords(name);
}

const MOMENT_LABEL: Record<OrderMoment, string> = {
  placed: "Order placed",
  stock_reserved: "Items reserved",
  paid: "Payment authorized",
  confirmed: "Order confirmed",
  completed: "Parcel booked",
  shipped: "Handed to the carrier",
  charged: "Card charged",
  in_transit: "On its way",
  delivered: "Delivered",
  cancellation_requested: "Cancellation requested",
  cancellation_refused: "Cancellation refused",
  return_requested: "Parcel called back",
  returned: "Parcel returned",
  refunded: "Payment refunded",
  payment_released: "Payment released",
  stock_released: "Items released",
  cancelled: "Order cancelled",
  needs_attention: "Waiting for our team",
};

/** A timeline moment in words; one added to the API later still reads sensibly. */
export function momentLabel(moment: string): string {
  return MOMENT_LABEL[moment as OrderMoment] ?? asWords(moment);
}

export const STEP_STATUS_LABEL: Record<SagaStepStatus, string> = {
  pending: "Waiting",
  in_progress: "In progress",
  succeeded: "Done",
  failed: "Failed",
  compensating: "Undoing",
  compensated: "Undone",
};

/** Step-specific words for an undone step: stock is released, a payment refunded. */
export function stepStatusLabel(name: string, status: SagaStepStatus): string {
  if (status === "compensated" && name === "reserve_inventory") return "Released";
  if (status === "compensated" && name === "process_payment") return "Refunded";
  if (status === "compensated" && name === "place_order") return "Cancelled";
  return STEP_STATUS_LABEL[status];
}

/** What the shopper is told while the saga still runs. */
export function progressMessage(order: Order): string {
  if (order.status === "placed") return "We're reserving your items and taking payment…";
  if (order.status === "confirmed") return "Payment received. We're preparing your shipment…";
  if (order.status === "cancelling") return "We're cancelling your order: stopping the parcel and giving your payment back…";
  return "";
}

/** Each step of a parcel's journey, as the order page's tracking timeline names it. */
export const JOURNEY_LABEL: Record<ShipmentStatus, string> = {
  created: "Shipment booked",
  shipped: "Shipped",
  in_transit: "In transit",
  delivered: "Delivered",
  cancelled: "Cancelled",
  returning: "On its way back to us",
  returned: "Back with us",
};
