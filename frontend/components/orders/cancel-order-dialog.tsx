"use client";

import { type FormEvent, type ReactNode, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { TextAreaField } from "@/components/ui/field";
import { Spinner } from "@/components/ui/spinner";
import { FORM_LEVEL, type FieldErrors } from "@/lib/admin/product-form";
import { cancelOrder } from "@/lib/api/browser";
import { formRefusal } from "@/lib/form-refusal";
import type { Order } from "@/lib/api/types";
import { shortId } from "@/lib/format";
import { MAX_REASON, cancelErrorsByInput, toCancelBody } from "@/lib/order-cancel";

/** Explains a refused cancellation: the reason's error beside it, the rest (a 409's detail) above. */
function refusal(e: unknown) {
  return formRefusal(e, {
    invalid: "Please correct the reason below.",
    sessionEnded: "Your session has ended. Please sign in again.",
    byInput: cancelErrorsByInput,
  });
}

/**
 * The confirmation before an order is cancelled, with an optional reason that the order then
 * shows. The shopper's order page and the admin's shipments list share it; the API decides
 * who may cancel (the order's customer, or an admin) and says why it cannot be (shown here).
 * `explanation` says what cancelling does, for whoever reads it; `onCancelled` gets the
 * order as the API now has it, `cancelling` while the cancellation runs.
 */
export function CancelOrderDialog({
  orderId,
  explanation,
  reasonHint,
  onCancelled,
  onClose,
}: {
  orderId: string;
  explanation: ReactNode;
  /** Who reads the reason, e.g. "Shown to the customer on their order." */
  reasonHint: string;
  onCancelled: (order: Order) => void;
  onClose: () => void;
}) {
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = toCancelBody(reason);
    if (!parsed.ok) {
      setMessage(null);
      setErrors(parsed.errors);
      return;
    }
    setPending(true);
    setMessage(null);
    setErrors({});
    try {
      onCancelled(await cancelOrder(orderId, parsed.value));
    } catch (e) {
      const r = refusal(e);
      setErrors(r.errors);
      setMessage(r.message);
      setPending(false);
    }
  }

  return (
    <Dialog title={`Cancel order #${shortId(orderId)}?`} onClose={onClose} busy={pending}>
      <form onSubmit={submit} noValidate aria-label="Cancellation" className="space-y-4">
        {message ? (
          <Alert tone="error" title="We couldn't cancel this order">
            {message}
          </Alert>
        ) : null}
        {errors[FORM_LEVEL] ? <Alert tone="error">{errors[FORM_LEVEL]}</Alert> : null}
        <p className="text-sm text-slate-600">{explanation}</p>
        <TextAreaField
          id="cancel-reason"
          label="Reason"
          rows={3}
          // Opened on purpose: the reason is what is typed next, if anything.
          autoFocus
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          hint={`${reasonHint} Up to ${MAX_REASON} characters.`}
          error={errors.reason}
        />
        <div className="flex justify-end gap-2 pt-2">
          <button type="button" className={buttonClass("secondary")} onClick={onClose} disabled={pending}>
            Keep order
          </button>
          <button type="submit" className={buttonClass("primary", "md", "bg-red-700 hover:bg-red-800")} disabled={pending}>
            {pending ? <Spinner /> : null}
            Cancel order
          </button>
        </div>
      </form>
    </Dialog>
  );
}
