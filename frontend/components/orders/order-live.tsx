"use client";

import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";
import useSWR, { useSWRConfig } from "swr";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { Spinner } from "@/components/ui/spinner";
import { fetchOrder, keys } from "@/lib/api/browser";
import { ApiError, errorMessage } from "@/lib/api/problem";
import { isBeingPlaced } from "@/lib/api/reshape";
import type { Order, Shipment } from "@/lib/api/types";
import { countryName } from "@/lib/countries";
import { formatDateTime, shortId } from "@/lib/format";
import { formatMoney } from "@/lib/money";
import { canCancel } from "@/lib/order-cancel";
import { SERVICE_LABEL, shippingPrice } from "@/lib/shipping";
import {
  cancellationExplanation,
  cancellationTitle,
  progressMessage,
  statusLabel,
  undoneSentences,
} from "@/lib/order-copy";
import { CancelOrderDialog } from "./cancel-order-dialog";
import { OrderStatusBadge } from "./order-status-badge";
import { OrderTimeline } from "./order-timeline";
import { SagaSteps } from "./saga-steps";
import { ShipmentTracking } from "./shipment-tracking";

/** How often an order still being processed is re-read. */
export const POLL_MS = 500;

/**
 * How often an order flagged for attention is re-read: its undo is still retried, minutes
 * apart, and the flag clears by itself when one succeeds.
 */
export const ATTENTION_POLL_MS = 5_000;

/** How long to wait before re-reading the order; 0 once no saga changes it any more. */
export function pollInterval(order: Order): number {
  if (!order.inProgress) return 0;
  return order.sagaStatus === "needs_attention" ? ATTENTION_POLL_MS : POLL_MS;
}

/**
 * Follows the place-order saga live while it runs: a Server-Sent Event stream from this
 * site's server (which follows the API's GraphQL subscription) hands each update to
 * `onUpdate`. Returns whether the stream is open; when it fails or ends, the caller polls
 * instead. The subscription follows only that saga, so a cancellation under way is polled.
 */
export function useLiveOrder(initial: Order, onUpdate: (order: Order) => void): boolean {
  const [open, setOpen] = useState(false);
  const placing = isBeingPlaced(initial.status);
  useEffect(() => {
    if (!placing || typeof EventSource === "undefined") return;
    const source = new EventSource(`/bff/orders/${encodeURIComponent(initial.id)}/live`);
    const stop = () => {
      source.close();
      setOpen(false);
    };
    source.onopen = () => setOpen(true);
    source.onmessage = (event: MessageEvent<string>) => onUpdate(JSON.parse(event.data) as Order);
    source.addEventListener("end", stop);
    source.onerror = stop;
    return () => source.close();
  }, [initial.id, placing, onUpdate]);
  return open;
}

/**
 * The order page body. It starts from the server-rendered order (and its parcel, once it
 * has one) and follows it live while the place-order saga runs; when live updates are
 * unavailable it polls instead, stopping by itself once the saga is done with the order.
 * The parcel's tracking keeps itself up to date after that (`ShipmentTracking`). Until the
 * parcel leaves, the shopper may cancel the order; the page then polls the cancellation
 * until the order is cancelled (or the cancellation refused, which it says).
 */
export function OrderLive({ initial, shipment = null }: { initial: Order; shipment?: Shipment | null }) {
  const { mutate } = useSWRConfig();
  // A streamed order goes into SWR's cache as it is, without re-reading it.
  const put = useCallback(
    (order: Order) => void mutate(keys.order(initial.id), order, { revalidate: false }),
    [mutate, initial.id],
  );
  const live = useLiveOrder(initial, put);
  const { data, error } = useSWR(keys.order(initial.id), () => fetchOrder(initial.id), {
    fallbackData: initial,
    // SWR may ask before its cache holds anything (fallbackData is not cached), so fall back to `initial`.
    // No polling while the live stream is open.
    refreshInterval: (latest) => (live ? 0 : pollInterval(latest ?? initial)),
    revalidateOnFocus: false,
    // The server just rendered it, and the live stream starts with the saga's first step.
    revalidateOnMount: false,
    dedupingInterval: 200,
  });
  const order = data ?? initial;
  const reread = useCallback(() => void mutate(keys.order(initial.id)), [mutate, initial.id]);
  // The parcel as the tracking panel last read it (no fetch of its own), else as the server did.
  const { data: trackedParcel } = useSWR<Shipment>(order.shipmentId ? keys.shipment(order.shipmentId) : null);
  const parcel = trackedParcel ?? (shipment?.id === order.shipmentId ? shipment : null);
  const [confirming, setConfirming] = useState(false);
  const outcomeRef = useRef<HTMLDivElement>(null);
  const [outcomeTakesFocus, setOutcomeTakesFocus] = useState(false);

  // The button that opened the dialog is gone once the order is cancelling: the outcome takes the focus.
  useEffect(() => {
    if (outcomeTakesFocus) outcomeRef.current?.focus();
  }, [outcomeTakesFocus]);

  // A cancellation calls the parcel back: show it cancelled with the order, not at the tracking's next poll.
  const sawCancelled = useRef(order.status === "cancelled");
  useEffect(() => {
    if (order.status !== "cancelled" || sawCancelled.current) return;
    sawCancelled.current = true;
    if (order.shipmentId) void mutate(keys.shipment(order.shipmentId));
  }, [order.status, order.shipmentId, mutate]);

  async function cancelled(next: Order) {
    await mutate(keys.order(initial.id), next, { revalidate: false });
    setConfirming(false);
    setOutcomeTakesFocus(true);
  }

  return (
    <div className="space-y-6">
      <header className="flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
        <div>
          <p className="text-sm text-slate-500">
            <Link href="/orders" className="hover:underline">
              Orders
            </Link>{" "}
            / #{shortId(order.id)}
          </p>
          <h1 className="mt-1 text-2xl font-bold tracking-tight text-slate-900 sm:text-3xl">Order #{shortId(order.id)}</h1>
          <p className="mt-1 text-sm text-slate-500">Placed {formatDateTime(order.placedAt)}</p>
        </div>
        <div className="flex flex-wrap items-center gap-3">
          <OrderStatusBadge status={order.status} />
          {canCancel(order, parcel) ? (
            <button type="button" className={buttonClass("secondary", "sm")} onClick={() => setConfirming(true)}>
              Cancel order
            </button>
          ) : null}
        </div>
      </header>
      {confirming ? (
        <CancelOrderDialog
          orderId={order.id}
          explanation="Your parcel hasn’t left yet: we’ll keep it here and refund your payment in full."
          reasonHint="Shown on your order."
          onCancelled={cancelled}
          onClose={() => setConfirming(false)}
        />
      ) : null}

      <div aria-live="polite" className="space-y-3">
        {order.cancellationRefused ? (
          <Alert tone="warning" title="We couldn't cancel this order">
            <p data-testid="cancellation-refused">{order.cancellationRefused}</p>
          </Alert>
        ) : null}
        <div ref={outcomeRef} tabIndex={-1} className="focus:outline-none" data-testid="order-outcome">
          <StatusPanel order={order} parcel={parcel} />
        </div>
        {error && pollInterval(order) > 0 ? (
          <Alert tone="warning" title="Live updates paused">
            {errorMessage(error)}
            {error instanceof ApiError && error.status === 401 ? (
              <>
                {" "}
                <Link href={`/sign-in?expired=1&next=/orders/${order.id}`} className="font-semibold underline">
                  Sign in again
                </Link>
              </>
            ) : null}
          </Alert>
        ) : null}
      </div>

      <div className="grid items-start gap-6 lg:grid-cols-[1fr_20rem]">
        <section aria-labelledby="items-title" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
          <h2 id="items-title" className="text-lg font-semibold text-slate-900">
            Items
          </h2>
          <table className="mt-4 w-full text-sm">
            <thead className="text-left text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className="pb-2 font-medium">
                  Product
                </th>
                <th scope="col" className="pb-2 text-right font-medium">
                  Qty
                </th>
                <th scope="col" className="hidden pb-2 text-right font-medium sm:table-cell">
                  Unit price
                </th>
                <th scope="col" className="pb-2 text-right font-medium">
                  Total
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {order.lines.map((line) => (
                <tr key={line.productId} data-testid="order-line">
                  <td className="py-3 pr-2">
                    <Link href={`/products/${line.productId}`} className="font-medium text-slate-900 hover:underline">
                      {line.name}
                    </Link>
                  </td>
                  <td className="py-3 text-right text-slate-700">{line.quantity}</td>
                  <td className="hidden py-3 text-right text-slate-700 sm:table-cell">{formatMoney(line.unitPrice)}</td>
                  <td className="py-3 text-right font-medium text-slate-900">{formatMoney(line.lineTotal)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <SumRow label="Items" value={formatMoney(order.subtotal)} testId="order-subtotal" look="first" />
              <SumRow
                label={order.shipping ? `Shipping (${SERVICE_LABEL[order.shipping.service]})` : "Shipping"}
                value={order.shipping ? shippingPrice(order.shipping) : "Not available"}
                testId="order-shipping"
                look="last"
              />
              <SumRow label="Total" value={formatMoney(order.total)} testId="order-total" look="total" />
              {order.refunds.map((refund) => (
                <SumRow
                  key={refund.id}
                  label={`Refunded ${formatDateTime(refund.refundedAt)}: ${refund.reason}`}
                  value={`−${formatMoney(refund.amount)}`}
                  testId="order-refund"
                  look="refund"
                />
              ))}
            </tfoot>
          </table>
        </section>

        <div className="space-y-6">
          {order.shipmentId ? (
            <ShipmentTracking
              shipmentId={order.shipmentId}
              initial={shipment?.id === order.shipmentId ? shipment : null}
              onMoved={reread}
            />
          ) : null}
          <section aria-labelledby="progress-title" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
            <h2 id="progress-title" className="mb-4 text-lg font-semibold text-slate-900">
              Progress
            </h2>
            <SagaSteps steps={order.steps} />
          </section>
          <section aria-labelledby="history-title" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
            <h2 id="history-title" className="mb-4 text-lg font-semibold text-slate-900">
              History
            </h2>
            <OrderTimeline
              orderId={order.id}
              version={`${order.status}:${order.steps.map((step) => step.status).join(",")}:${parcel?.status ?? ""}:${parcel?.journey.length ?? 0}`}
            />
          </section>
          <section aria-labelledby="ship-title" className="rounded-2xl border border-slate-200 bg-white p-6 text-sm shadow-sm">
            <h2 id="ship-title" className="mb-3 text-lg font-semibold text-slate-900">
              Delivery
            </h2>
            <address className="not-italic leading-relaxed text-slate-700">
              {order.shippingAddress.name}
              <br />
              {order.shippingAddress.line1}
              {order.shippingAddress.line2 ? (
                <>
                  <br />
                  {order.shippingAddress.line2}
                </>
              ) : null}
              <br />
              {order.shippingAddress.postal_code} {order.shippingAddress.city}
              <br />
              {countryName(order.shippingAddress.country)}
            </address>
          </section>
        </div>
      </div>
    </div>
  );
}

/** Spacing and weight of each line under the items: the first and the total open with a rule. */
const SUM_LOOK = {
  first: "pt-3 pb-1 font-normal text-slate-700",
  last: "pb-3 font-normal text-slate-700",
  total: "pt-3 text-base font-semibold text-slate-900",
  refund: "pt-1 font-normal text-emerald-800",
} as const;

/**
 * One line under the items: the label spans the columns before the amount, which are one
 * fewer on narrow screens (the unit price is hidden there).
 */
function SumRow({ label, value, testId, look }: { label: string; value: string; testId: string; look: keyof typeof SUM_LOOK }) {
  const text = SUM_LOOK[look];
  return (
    <tr className={look === "last" || look === "refund" ? undefined : "border-t border-slate-200"}>
      <th scope="row" colSpan={2} className={`text-left sm:hidden ${text}`}>
        {label}
      </th>
      <th scope="row" colSpan={3} className={`hidden text-left sm:table-cell ${text}`}>
        {label}
      </th>
      <td className={`text-right ${text}`} data-testid={testId}>
        {value}
      </td>
    </tr>
  );
}

function StatusPanel({ order, parcel }: { order: Order; parcel: Shipment | null }) {
  if (order.status === "cancelled") {
    const undone = undoneSentences(order, parcel);
    return (
      <Alert tone="error" title={cancellationTitle(order.cancellation?.code ?? "")}>
        <p data-testid="cancellation-reason">{cancellationExplanation(order)}</p>
        {undone.length ? (
          <ul className="mt-2 list-inside list-disc" data-testid="undone">
            {undone.map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ul>
        ) : null}
      </Alert>
    );
  }
  if (order.status === "completed") {
    return (
      <Alert tone="success" title="Thank you! Your order is complete.">
        {order.shipmentId ? (
          <p>
            Follow its parcel under Tracking. Shipment <span className="break-all font-mono" data-testid="shipment-id">{order.shipmentId}</span>
          </p>
        ) : (
          <p>We’ll let you know when it ships.</p>
        )}
      </Alert>
    );
  }
  if (order.status === "delivered") {
    return (
      <Alert tone="success" title="Your order has been delivered.">
        <p>Thank you for shopping with us.</p>
      </Alert>
    );
  }
  if (!order.inProgress) {
    // A status added since this page was written: say it, rather than show a spinner forever.
    return <Alert tone="info" title={`Order ${statusLabel(order.status).toLowerCase()}`} />;
  }
  if (order.sagaStatus === "needs_attention") {
    return (
      <Alert tone="warning" title="Our team is looking at this order">
        Something needs a manual check. You don’t need to do anything; we’ll sort it out.
      </Alert>
    );
  }
  return (
    <div role="status" className="flex items-center gap-3 rounded-xl border border-sky-200 bg-sky-50 p-4 text-sm text-sky-900">
      <Spinner className="h-4 w-4 text-sky-600" />
      <span>{progressMessage(order)}</span>
    </div>
  );
}
