/**
 * The admin's "Mark shipped" form as plain data: the body sent (a tracking number only when
 * one is typed; the API makes one otherwise) and the API's field errors by input. The API
 * checks the rest (lengths, characters, a tracking number taken by another parcel).
 */
import type { FieldError } from "../api/problem";
import type { ShipBody } from "../api/types";
import { FORM_LEVEL, type FieldErrors, fieldErrorsByInput } from "./product-form";

export interface ShipFormValues {
  carrier: string;
  /** Empty: the API makes one. */
  trackingNumber: string;
}

export function toShipBody(values: ShipFormValues): ShipBody {
  const trackingNumber = values.trackingNumber.trim();
  return { carrier: values.carrier.trim(), ...(trackingNumber ? { tracking_number: trackingNumber } : {}) };
}

function inputForField(field: string): string {
  switch (field) {
    case "carrier":
      return "carrier";
    case "tracking_number":
      return "trackingNumber";
    default:
      return FORM_LEVEL;
  }
}

export function shipErrorsByInput(errors: readonly FieldError[]): FieldErrors {
  return fieldErrorsByInput(errors, inputForField);
}
