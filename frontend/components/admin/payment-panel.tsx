"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, useRef, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { TextAreaField, TextField } from "@/components/ui/field";
import { Spinner } from "@/components/ui/spinner";
import { FORM_LEVEL, type FieldErrors } from "@/lib/admin/product-form";
import { fetchPayment, refundPayment } from "@/lib/api/browser";
import { errorMessage } from "@/lib/api/problem";
import type { ApiPayment, ApiRefund, Money } from "@/lib/api/types";
import { formRefusal } from "@/lib/form-refusal";
import { formatDateTime } from "@/lib/format";
import { answeredForGood, newIdempotencyKey } from "@/lib/idempotency";
import { formatMoney } from "@/lib/money";
import { MAX_REFUND_REASON, type RefundFormValues, refundErrorsByInput, refundFormFor, toRefundBody } from "@/lib/refund";

const PAYMENT_STATUS_LABEL: Record<string, string> = {
  pending: "Being authorized",
  authorized: "Authorized",
  processed: "Captured",
  failed: "Failed",
  refunding: "Being refunded",
  refunded: "Refunded",
  released: "Hold released",
  voided: "Voided",
};

/** How long Orders usually takes to hear of a refund and record it on the order. */
const ORDER_CATCH_UP_MS = 1_000;

const REFUND_STATUS_LABEL: Record<ApiRefund["status"], string> = {
  pending: "Waiting for the card processor",
  succeeded: "Refunded",
  failed: "Refused",
};

/**
 * An order's payment for the shop's staff: what is held on the card (authorized, charged
 * when the parcel leaves), what was captured, given back and can still be, each refund
 * with its reason and outcome, and a refund of part or the rest of a capture (with a
 * reason the customer then sees on their order).
 */
export function PaymentPanel({ initial }: { initial: ApiPayment }) {
  const router = useRouter();
  const [payment, setPayment] = useState(initial);
  // The page read anew (after a refund or a cancellation) brings the payment as it now is.
  const [read, setRead] = useState(initial);
  if (initial !== read) {
    setRead(initial);
    setPayment(initial);
  }
  const [refunding, setRefunding] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const zero: Money = { amount_minor: 0, currency: payment.amount?.currency ?? "USD" };
  const refundable = payment.refundable ?? zero;

  async function refunded(refund: ApiRefund) {
    setRefunding(false);
    setNotice(
      refund.status === "pending"
        ? `${formatMoney(refund.amount)} will be refunded as soon as the card processor answers.`
        : refund.status === "succeeded"
          ? `${formatMoney(refund.amount)} was refunded.`
          : `The card processor refused the refund: ${refund.failure ?? "no reason given"}.`,
    );
    try {
      setPayment(await fetchPayment(payment.id));
    } catch (e) {
      setNotice(`The refund was asked for, but the payment could not be read again: ${errorMessage(e)}`);
    }
    // Orders records the refund on the order a moment later: read the page's history again then.
    setTimeout(() => router.refresh(), ORDER_CATCH_UP_MS);
  }

  return (
    <section aria-labelledby="payment-title" className="h-fit rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
      <div className="mb-4 flex items-center justify-between gap-3">
        <h2 id="payment-title" className="text-lg font-semibold text-slate-900">
          Payment
        </h2>
        <span className="text-sm text-slate-600" data-testid="payment-status">
          {PAYMENT_STATUS_LABEL[payment.status] ?? payment.status}
        </span>
      </div>
      {notice ? (
        <div className="mb-4">
          <Alert tone="success">{notice}</Alert>
        </div>
      ) : null}
      <dl className="grid grid-cols-[1fr_auto] gap-x-4 gap-y-1 text-sm">
        <dt className="text-slate-600">Authorized, not captured</dt>
        <dd className="text-right font-medium text-slate-900" data-testid="payment-authorized">
          {formatMoney(payment.authorized ?? zero)}
        </dd>
        <dt className="text-slate-600">Captured</dt>
        <dd className="text-right font-medium text-slate-900" data-testid="payment-captured">
          {formatMoney(payment.captured ?? zero)}
        </dd>
        <dt className="text-slate-600">Refunded</dt>
        <dd className="text-right font-medium text-slate-900" data-testid="payment-refunded">
          {formatMoney(payment.refunded ?? zero)}
        </dd>
        <dt className="text-slate-600">Can still be refunded</dt>
        <dd className="text-right font-medium text-slate-900" data-testid="payment-refundable">
          {formatMoney(refundable)}
        </dd>
      </dl>
      {payment.status === "authorized" ? (
        <p className="mt-3 text-xs text-slate-500" data-testid="payment-capture-note">
          The card is charged when the parcel leaves; until then only a cancellation gives the money back.
        </p>
      ) : null}
      {payment.refunds.length > 0 ? (
        <ol className="mt-4 space-y-2 border-t border-slate-100 pt-4 text-sm" aria-label="Refunds">
          {payment.refunds.map((refund) => (
            <li key={refund.id} data-testid="payment-refund">
              <p className="flex justify-between gap-3">
                <span className="font-medium text-slate-900">{formatMoney(refund.amount)}</span>
                <span className="text-slate-600">{REFUND_STATUS_LABEL[refund.status] ?? refund.status}</span>
              </p>
              <p className="text-slate-700">{refund.reason}</p>
              <p className="text-xs text-slate-500">{formatDateTime(refund.requested_at)}</p>
            </li>
          ))}
        </ol>
      ) : null}
      {refundable.amount_minor > 0 ? (
        <button type="button" className={buttonClass("secondary", "sm", "mt-4 w-full")} onClick={() => setRefunding(true)}>
          Refund…
        </button>
      ) : null}
      {refunding ? (
        <RefundDialog
          paymentId={payment.id}
          refundable={refundable}
          onRefunded={refunded}
          onClose={() => setRefunding(false)}
        />
      ) : null}
    </section>
  );
}

/** Explains a refused refund: field errors beside their inputs, the rest (a 409's detail) above. */
function refusal(e: unknown) {
  return formRefusal(e, {
    invalid: "Please correct the fields marked below.",
    sessionEnded: "Your session has ended. Please sign in again.",
    byInput: refundErrorsByInput,
  });
}

/**
 * Asks how much to give back (all that is left, to begin with) and why. The request
 * carries one idempotency key for as long as the dialog is open, so a retry after a lost
 * answer refunds once; a changed request gets a new key.
 */
function RefundDialog({
  paymentId,
  refundable,
  onRefunded,
  onClose,
}: {
  paymentId: string;
  refundable: Money;
  onRefunded: (refund: ApiRefund) => void;
  onClose: () => void;
}) {
  const [values, setValues] = useState<RefundFormValues>(() => refundFormFor(refundable));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const attempt = useRef<{ body: string; key: string } | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = toRefundBody(values, refundable);
    if (!parsed.ok) {
      setMessage(null);
      setErrors(parsed.errors);
      return;
    }
    const body = JSON.stringify(parsed.value);
    if (attempt.current?.body !== body) attempt.current = { body, key: newIdempotencyKey() };
    setPending(true);
    setMessage(null);
    setErrors({});
    try {
      onRefunded(await refundPayment(paymentId, parsed.value, attempt.current.key));
    } catch (e) {
      // Answered for good: the same request again would get the same answer, so a new one gets a new key.
      if (answeredForGood(e)) attempt.current = null;
      const r = refusal(e);
      setErrors(r.errors);
      setMessage(r.message);
      setPending(false);
    }
  }

  return (
    <Dialog title="Refund this order" onClose={onClose} busy={pending}>
      <form onSubmit={submit} noValidate aria-label="Refund" className="space-y-4">
        {message ? (
          <Alert tone="error" title="We couldn't refund this order">
            {message}
          </Alert>
        ) : null}
        {errors[FORM_LEVEL] ? <Alert tone="error">{errors[FORM_LEVEL]}</Alert> : null}
        <p className="text-sm text-slate-600">
          The money goes back to the card the order was paid with. Up to {formatMoney(refundable)} can still be refunded.
        </p>
        <TextField
          id="refund-amount"
          label={`Amount (${refundable.currency})`}
          inputMode="decimal"
          required
          value={values.amount}
          onChange={(e) => setValues({ ...values, amount: e.target.value })}
          error={errors.amount}
        />
        <TextAreaField
          id="refund-reason"
          label="Reason"
          rows={3}
          required
          // Opened on purpose: the amount is prefilled, so the reason is what is typed next.
          autoFocus
          value={values.reason}
          onChange={(e) => setValues({ ...values, reason: e.target.value })}
          hint={`Shown to the customer on their order. Up to ${MAX_REFUND_REASON} characters.`}
          error={errors.reason}
        />
        <div className="flex justify-end gap-2 pt-2">
          <button type="button" className={buttonClass("secondary")} onClick={onClose} disabled={pending}>
            Keep the money
          </button>
          <button type="submit" className={buttonClass("primary")} disabled={pending}>
            {pending ? <Spinner /> : null}
            Refund
          </button>
        </div>
      </form>
    </Dialog>
  );
}
