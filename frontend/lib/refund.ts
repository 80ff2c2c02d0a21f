/**
 * An admin's refund as plain data: the amount typed (in the payment's major units, never
 * through a float) and the reason, checked by the API's rules before they are sent, and the
 * API's field errors placed beside the inputs they name. The API has the last word: a
 * refund above what is still charged is a 409, shown above the form.
 */
import type { FieldError } from "./api/problem";
import type { Money, RefundBody } from "./api/types";
import { FORM_LEVEL, type FieldErrors, type Parsed, fieldErrorsByInput } from "./admin/product-form";
import { formatMoney, minorDigits, toDecimalString, toMinorUnits } from "./money";

/** The longest reason the API keeps, in characters. */
export const MAX_REFUND_REASON = 500;

/** What the refund form's inputs hold, as typed. */
export interface RefundFormValues {
  /** In major units, e.g. "12.50"; the whole of `refundable` when it is all of it. */
  amount: string;
  reason: string;
}

/** The form as it opens: everything still charged, no reason yet. */
export function refundFormFor(refundable: Money): RefundFormValues {
  return { amount: toDecimalString(refundable.amount_minor, minorDigits(refundable.currency)), reason: "" };
}

/**
 * The body for what was typed, or the errors beside the inputs. All of `refundable` is
 * sent without an amount ("all that is left"), so a refund that raced another one still
 * means "the rest" and not a sum that is no longer there.
 */
export function toRefundBody(values: RefundFormValues, refundable: Money): Parsed<RefundBody> {
  const errors: FieldErrors = {};
  const digits = minorDigits(refundable.currency);
  const minor = toMinorUnits(values.amount, digits);
  if (minor === null || minor <= 0) {
    errors.amount = `Enter an amount above zero, such as ${toDecimalString(10 ** digits * 5, digits)}.`;
  } else if (minor > refundable.amount_minor) {
    errors.amount = `At most ${formatMoney(refundable)} can still be refunded.`;
  }
  const reason = values.reason.replace(/\s+/g, " ").trim();
  if (!reason) errors.reason = "Say why: the customer sees it on their order.";
  else if ([...reason].length > MAX_REFUND_REASON) {
    errors.reason = `Keep the reason to ${MAX_REFUND_REASON} characters or fewer.`;
  }
  if (Object.keys(errors).length > 0 || minor === null) return { ok: false, errors };
  return { ok: true, value: minor === refundable.amount_minor ? { reason } : { amount_minor: minor, reason } };
}

/** The API's field errors by input: amount and reason beside their boxes, anything else above. */
export function refundErrorsByInput(errors: readonly FieldError[]): FieldErrors {
  return fieldErrorsByInput(errors, (field) =>
    field === "amount_minor" ? "amount" : field === "reason" ? "reason" : FORM_LEVEL,
  );
}
