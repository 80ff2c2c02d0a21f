import type { FieldErrors } from "@/lib/admin/product-form";
import { ApiError, type FieldError, errorMessage } from "@/lib/api/problem";

/** How one form words a refusal of its request. */
export interface RefusalWording {
  /** Shown above the form when fields are marked, e.g. "Please correct the fields marked below." */
  invalid: string;
  /** Shown when the session ended while the form was open. */
  sessionEnded: string;
  /** The API's field errors, keyed by the form's own inputs. */
  byInput: (errors: readonly FieldError[]) => FieldErrors;
}

/**
 * Explains why the API refused a form's request: a 422's field errors beside their inputs,
 * an ended session in the form's own words, and anything else (a 409's detail) above it.
 * The dialogs that change stock, hand over a parcel or cancel an order all answer this way.
 */
export function formRefusal(e: unknown, wording: RefusalWording): { message: string; errors: FieldErrors } {
  if (e instanceof ApiError && e.status === 422 && e.fieldErrors.length > 0) {
    return { message: wording.invalid, errors: wording.byInput(e.fieldErrors) };
  }
  if (e instanceof ApiError && e.status === 401) {
    return { message: wording.sessionEnded, errors: {} };
  }
  return { message: errorMessage(e), errors: {} };
}
