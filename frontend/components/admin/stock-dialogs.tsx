"use client";

import { type FormEvent, type ReactNode, useEffect, useRef, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { SelectField, TextField } from "@/components/ui/field";
import { Spinner } from "@/components/ui/spinner";
import { FORM_LEVEL, type FieldErrors } from "@/lib/admin/product-form";
import {
  type AdjustFormValues,
  EMPTY_ADJUSTMENT,
  EMPTY_SET_ASIDE,
  MAX_NOTE,
  type SetAsideFormValues,
  type SetAsideMode,
  stockErrorsByInput,
  toAdjustmentBody,
  toSetAsideBody,
  toThresholdBody,
} from "@/lib/admin/stock-form";
import {
  ADJUSTMENT_REASONS,
  REASON_LABEL,
  SET_ASIDE_MODE_LABEL,
  adjustmentOutcome,
  setAsideOutcome,
  thresholdOutcome,
} from "@/lib/admin/stock-level";
import { adjustStock, setStockAside, setStockThreshold } from "@/lib/api/browser";
import { formRefusal } from "@/lib/form-refusal";
import type { SetAsideBody, StockAdjustmentBody, StockLevel } from "@/lib/api/types";

/** Explains a refused change: field errors beside their inputs, the rest (a 409's detail) above. */
function refusal(e: unknown) {
  return formRefusal(e, {
    invalid: "Please correct the fields marked below.",
    sessionEnded: "Your admin session has ended. Please sign in again.",
    byInput: stockErrorsByInput,
  });
}

/** Sends a checked form and sorts out the answer; shared by the dialogs. */
function useSubmission() {
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(send: () => Promise<void>) {
    setPending(true);
    setMessage(null);
    setErrors({});
    try {
      await send();
    } catch (e) {
      const r = refusal(e);
      setErrors(r.errors);
      setMessage(r.message);
      setPending(false);
    }
  }

  /** The form's own checks failed: their messages replace any earlier refusal. */
  function reject(next: FieldErrors) {
    setMessage(null);
    setErrors(next);
  }

  return { errors, message, pending, submit, reject };
}

/** The refusal above the fields, and the buttons under them: the frame the dialogs share. */
function DialogForm({
  label,
  failure,
  message,
  errors,
  pending,
  submitLabel,
  onSubmit,
  onCancel,
  children,
}: {
  label: string;
  failure: string;
  message: string | null;
  errors: FieldErrors;
  pending: boolean;
  submitLabel: string;
  onSubmit: (event: FormEvent<HTMLFormElement>) => void;
  onCancel: () => void;
  children: ReactNode;
}) {
  return (
    <form onSubmit={onSubmit} noValidate aria-label={label} className="space-y-4">
      {message ? (
        <Alert tone="error" title={failure}>
          {message}
        </Alert>
      ) : null}
      {errors[FORM_LEVEL] ? <Alert tone="error">{errors[FORM_LEVEL]}</Alert> : null}
      {children}
      <div className="flex justify-end gap-2 pt-2">
        <button type="button" className={buttonClass("secondary")} onClick={onCancel} disabled={pending}>
          Cancel
        </button>
        <button type="submit" className={buttonClass("primary")} disabled={pending}>
          {pending ? <Spinner /> : null}
          {submitLabel}
        </button>
      </div>
    </form>
  );
}

/** The level the admin is changing, as the page last read it. */
function LevelNow({ level }: { level: StockLevel }) {
  return (
    <p className="mb-4 text-sm text-slate-600" data-testid="stock-now">
      Now <strong className="font-semibold text-slate-900">{level.onHand}</strong> on hand,{" "}
      <strong className="font-semibold text-slate-900">{level.reserved}</strong> held for orders,{" "}
      <strong className="font-semibold text-slate-900">{level.unavailable}</strong> set aside,{" "}
      <strong className="font-semibold text-slate-900">{level.available}</strong> available.
    </p>
  );
}

/**
 * "Adjust stock" for one product: units added or taken away, why, and an optional note.
 * Checked by the API's rules first; `onAdjusted` gets the level as the API now has it and
 * what was sent.
 */
function AdjustStockDialog({
  productName,
  level,
  onAdjusted,
  onClose,
}: {
  productName: string;
  level: StockLevel;
  onAdjusted: (level: StockLevel, adjustment: StockAdjustmentBody) => void;
  onClose: () => void;
}) {
  const [values, setValues] = useState<AdjustFormValues>(EMPTY_ADJUSTMENT);
  const { errors, message, pending, submit, reject } = useSubmission();
  const set = (key: keyof AdjustFormValues, value: string) => setValues({ ...values, [key]: value });

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = toAdjustmentBody(values);
    if (!parsed.ok) {
      reject(parsed.errors);
      return;
    }
    void submit(async () => onAdjusted(await adjustStock(level.productId, parsed.value), parsed.value));
  }

  return (
    <Dialog title={`Adjust stock: ${productName}`} onClose={onClose} busy={pending}>
      <LevelNow level={level} />
      <DialogForm
        label="Adjustment"
        failure="We couldn't adjust the stock"
        message={message}
        errors={errors}
        pending={pending}
        submitLabel="Save adjustment"
        onSubmit={onSubmit}
        onCancel={onClose}
      >
        <TextField
          id="adjust-delta"
          label="Change in units"
          required
          // Opened on purpose by the admin: the first field is where they type next.
          autoFocus
          value={values.delta}
          onChange={(e) => set("delta", e.target.value)}
          hint="Positive adds units (a delivery), negative takes them away (such as -2)."
          error={errors.delta}
          autoComplete="off"
        />
        <SelectField
          id="adjust-reason"
          label="Reason"
          required
          value={values.reason}
          onChange={(e) => set("reason", e.target.value)}
          error={errors.reason}
        >
          <option value="" disabled>
            Choose a reason…
          </option>
          {ADJUSTMENT_REASONS.map((reason) => (
            <option key={reason} value={reason}>
              {REASON_LABEL[reason]}
            </option>
          ))}
        </SelectField>
        <TextField
          id="adjust-note"
          label="Note"
          value={values.note}
          onChange={(e) => set("note", e.target.value)}
          hint={`What happened, in a few words (up to ${MAX_NOTE} characters).`}
          error={errors.note}
          autoComplete="off"
        />
      </DialogForm>
    </Dialog>
  );
}

/** Where units come from in each direction: only available ones go aside, only set-aside ones come back. */
function unitsHint(mode: SetAsideMode, level: StockLevel): string {
  return mode === "set_aside"
    ? `Up to the ${level.available} available; units held for orders stay held.`
    : `Up to the ${level.unavailable} set aside.`;
}

/**
 * "Set aside" for one product: units taken off sale as unavailable (damaged, awaiting
 * inspection) while still on hand, or put back on sale, with an optional note. A damage
 * write-off later takes the set-aside units first. `onSetAside` gets the level as the API
 * now has it and what was sent.
 */
function SetAsideDialog({
  productName,
  level,
  onSetAside,
  onClose,
}: {
  productName: string;
  level: StockLevel;
  onSetAside: (level: StockLevel, change: SetAsideBody) => void;
  onClose: () => void;
}) {
  const [values, setValues] = useState<SetAsideFormValues>(EMPTY_SET_ASIDE);
  const { errors, message, pending, submit, reject } = useSubmission();

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = toSetAsideBody(values);
    if (!parsed.ok) {
      reject(parsed.errors);
      return;
    }
    void submit(async () => onSetAside(await setStockAside(level.productId, parsed.value), parsed.value));
  }

  return (
    <Dialog title={`Set aside: ${productName}`} onClose={onClose} busy={pending}>
      <LevelNow level={level} />
      <DialogForm
        label="Set aside"
        failure="We couldn't change the units set aside"
        message={message}
        errors={errors}
        pending={pending}
        submitLabel={values.mode === "set_aside" ? "Set aside" : "Put back on sale"}
        onSubmit={onSubmit}
        onCancel={onClose}
      >
        <fieldset>
          <legend className="mb-1.5 block text-sm font-medium text-slate-700">What to do</legend>
          <div className="grid gap-2 sm:grid-cols-2">
            {(Object.keys(SET_ASIDE_MODE_LABEL) as SetAsideMode[]).map((mode) => (
              <label
                key={mode}
                className="flex cursor-pointer items-center gap-2 rounded-lg border border-slate-300 px-3 py-2.5 text-sm text-slate-800 has-checked:border-brand-500 has-checked:bg-brand-50 has-checked:ring-1 has-checked:ring-brand-500"
              >
                <input
                  type="radio"
                  name="set-aside-mode"
                  value={mode}
                  // Opened on purpose by the admin: the direction is chosen first (the one checked on opening).
                  autoFocus={values.mode === mode}
                  checked={values.mode === mode}
                  onChange={() => setValues({ ...values, mode })}
                  className="h-4 w-4 accent-brand-600"
                />
                {SET_ASIDE_MODE_LABEL[mode]}
              </label>
            ))}
          </div>
        </fieldset>
        <TextField
          id="set-aside-units"
          label="Units"
          required
          inputMode="numeric"
          value={values.units}
          onChange={(e) => setValues({ ...values, units: e.target.value })}
          hint={unitsHint(values.mode, level)}
          error={errors.delta}
          autoComplete="off"
        />
        <TextField
          id="set-aside-note"
          label="Note"
          value={values.note}
          onChange={(e) => setValues({ ...values, note: e.target.value })}
          hint={`Why, in a few words (up to ${MAX_NOTE} characters), such as “water damage, awaiting inspection”.`}
          error={errors.note}
          autoComplete="off"
        />
      </DialogForm>
    </Dialog>
  );
}

/**
 * "Low-stock level" for one product: the product counts as low once what can be promised is
 * at or below it. `onSaved` gets the level as the API now has it.
 */
function ThresholdDialog({
  productName,
  level,
  onSaved,
  onClose,
}: {
  productName: string;
  level: StockLevel;
  onSaved: (level: StockLevel) => void;
  onClose: () => void;
}) {
  const [threshold, setThreshold] = useState(String(level.lowStockThreshold));
  const { errors, message, pending, submit, reject } = useSubmission();

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = toThresholdBody(threshold);
    if (!parsed.ok) {
      reject(parsed.errors);
      return;
    }
    void submit(async () => onSaved(await setStockThreshold(level.productId, parsed.value)));
  }

  return (
    <Dialog title={`Low-stock level: ${productName}`} onClose={onClose} busy={pending}>
      <LevelNow level={level} />
      <DialogForm
        label="Low-stock level"
        failure="We couldn't save the low-stock level"
        message={message}
        errors={errors}
        pending={pending}
        submitLabel="Save level"
        onSubmit={onSubmit}
        onCancel={onClose}
      >
        <TextField
          id="stock-threshold"
          label="Low at or below (units available)"
          required
          autoFocus
          inputMode="numeric"
          value={threshold}
          onChange={(e) => setThreshold(e.target.value)}
          hint="The product shows as Low, and is listed under Low stock only, once this few units or fewer can be promised."
          error={errors.threshold}
          autoComplete="off"
        />
      </DialogForm>
    </Dialog>
  );
}

/** The changes an admin makes to a product's stock, each in its own dialog. */
export type StockEdit = "adjust" | "set_aside" | "threshold";

/**
 * The dialog for `edit` on one product. `onChanged` gets the level as the API now has it and
 * a sentence saying what changed; `onClose` is a cancel.
 */
export function StockEditDialog({
  edit,
  productName,
  level,
  onChanged,
  onClose,
}: {
  edit: StockEdit;
  productName: string;
  level: StockLevel;
  onChanged: (level: StockLevel, outcome: string) => void;
  onClose: () => void;
}) {
  switch (edit) {
    case "adjust":
      return (
        <AdjustStockDialog
          productName={productName}
          level={level}
          onAdjusted={(next, adjustment) => onChanged(next, adjustmentOutcome(productName, next, adjustment))}
          onClose={onClose}
        />
      );
    case "set_aside":
      return (
        <SetAsideDialog
          productName={productName}
          level={level}
          onSetAside={(next, change) => onChanged(next, setAsideOutcome(productName, next, change))}
          onClose={onClose}
        />
      );
    case "threshold":
      return (
        <ThresholdDialog
          productName={productName}
          level={level}
          onSaved={(next) => onChanged(next, thresholdOutcome(productName, next))}
          onClose={onClose}
        />
      );
  }
}

/**
 * What the last change did. It takes the focus when it appears: the dialog that made the
 * change is gone, and a screen reader hears the outcome.
 */
export function StockOutcome({ text }: { text: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, [text]);
  return (
    <div ref={ref} tabIndex={-1} className="mb-4 focus:outline-none" data-testid="stock-outcome">
      <Alert tone="success">{text}</Alert>
    </div>
  );
}
