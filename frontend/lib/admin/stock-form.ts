/**
 * The stock screens' forms as plain data: an adjustment (units added or taken away, why, and
 * an optional note), units set aside as unavailable or put back on sale, and a low-stock
 * level, checked by the API's own rules before they are sent, and the API's field errors
 * placed beside their inputs. The API has the last word (a product whose units are held for
 * orders or set aside cannot drop below them, and only available units can be set aside:
 * a 409 shown above the form).
 */
import type { FieldError } from "../api/problem";
import type { SetAsideBody, StockAdjustmentBody, StockAdjustmentReason, ThresholdBody } from "../api/types";
import { FORM_LEVEL, type FieldErrors, type Parsed, fieldErrorsByInput } from "./product-form";
import { ADJUSTMENT_REASONS } from "./stock-level";

/** The most units one adjustment may add or take away, and the highest low-stock level. */
export const MAX_UNITS = 1_000_000;
/** The longest note the API keeps, in characters. */
export const MAX_NOTE = 200;

/** What the adjustment form's inputs hold, exactly as typed. */
export interface AdjustFormValues {
  /** Whole units, "+5" or "-2" ("−2" with a true minus sign too). */
  delta: string;
  /** "" until one is chosen. */
  reason: StockAdjustmentReason | "";
  note: string;
}

/** What the dialog opens with: no change, no reason chosen, so nothing is sent by accident. */
export const EMPTY_ADJUSTMENT: AdjustFormValues = { delta: "", reason: "", note: "" };

/** A whole number as typed, sign allowed; null when it is not one. */
function signedWhole(text: string): number | null {
  const match = /^([+\-\u2212]?)\s*(\d+)$/.exec(text.trim());
  if (!match) return null;
  const n = Number(match[2]);
  if (!Number.isSafeInteger(n)) return null;
  return match[1] === "-" || match[1] === "\u2212" ? -n : n;
}

/** The API refuses control characters in a note (a tab or line break included). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** What is wrong with a note (already trimmed) by the API's rules, if anything. */
function noteError(note: string): string | null {
  // Counted as the API counts: characters, not UTF-16 units.
  if ([...note].length > MAX_NOTE) return `Keep the note to ${MAX_NOTE} characters or fewer.`;
  if (CONTROL.test(note)) return "The note cannot hold control characters such as tabs.";
  return null;
}

/** The body to send for what was typed, or the inputs to correct, by the API's own rules. */
export function toAdjustmentBody(values: AdjustFormValues): Parsed<StockAdjustmentBody> {
  const errors: FieldErrors = {};
  const delta = signedWhole(values.delta);
  if (delta === null || delta === 0) {
    errors.delta = "Enter a whole number of units other than 0.";
  } else if (Math.abs(delta) > MAX_UNITS) {
    errors.delta = `One adjustment can add or take away at most ${MAX_UNITS.toLocaleString("en-US")} units.`;
  }
  const reason = (ADJUSTMENT_REASONS as readonly string[]).includes(values.reason)
    ? (values.reason as StockAdjustmentReason)
    : null;
  if (reason === null) errors.reason = "Choose why the stock changes.";
  const note = values.note.trim();
  const badNote = noteError(note);
  if (badNote) errors.note = badNote;
  if (delta === null || reason === null || Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { delta, reason, ...(note ? { note } : {}) } };
}

/** Which way units move: off sale as unavailable, or back on sale. */
export type SetAsideMode = "set_aside" | "put_back";

/** What the set-aside form's inputs hold, exactly as typed. */
export interface SetAsideFormValues {
  mode: SetAsideMode;
  /** Whole units, always positive: the mode gives the direction. */
  units: string;
  note: string;
}

/** What the dialog opens with: setting units aside, none yet. */
export const EMPTY_SET_ASIDE: SetAsideFormValues = { mode: "set_aside", units: "", note: "" };

/**
 * The body to send (a positive delta sets units aside, a negative one puts them back on
 * sale), or the inputs to correct. The units' error is under `delta`, the API's name for them.
 */
export function toSetAsideBody(values: SetAsideFormValues): Parsed<SetAsideBody> {
  const errors: FieldErrors = {};
  const trimmed = values.units.trim();
  const units = /^\d+$/.test(trimmed) ? Number(trimmed) : null;
  if (units === null || units < 1 || units > MAX_UNITS) {
    errors.delta = `Enter a whole number of units from 1 to ${MAX_UNITS.toLocaleString("en-US")}.`;
  }
  const note = values.note.trim();
  const badNote = noteError(note);
  if (badNote) errors.note = badNote;
  if (units === null || Object.keys(errors).length > 0) return { ok: false, errors };
  const delta = values.mode === "set_aside" ? units : -units;
  return { ok: true, value: { delta, ...(note ? { note } : {}) } };
}

/** A low-stock level as typed: a whole number from 0 to {@link MAX_UNITS}. */
export function toThresholdBody(text: string): Parsed<ThresholdBody> {
  const trimmed = text.trim();
  const level = /^\d+$/.test(trimmed) ? Number(trimmed) : null;
  if (level === null || level > MAX_UNITS) {
    return {
      ok: false,
      errors: { threshold: `Enter a whole number of units from 0 to ${MAX_UNITS.toLocaleString("en-US")}.` },
    };
  }
  return { ok: true, value: { low_stock_threshold: level } };
}

const INPUTS: Record<string, string> = {
  delta: "delta",
  reason: "reason",
  note: "note",
  low_stock_threshold: "threshold",
};

/** The API's field errors by input; a field neither form has is named above the form. */
export function stockErrorsByInput(errors: readonly FieldError[]): FieldErrors {
  return fieldErrorsByInput(errors, (field) => INPUTS[field] ?? FORM_LEVEL);
}
