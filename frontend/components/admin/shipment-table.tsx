"use client";

import Link from "next/link";
import { Fragment, useEffect, useRef, useState } from "react";
import useSWR from "swr";
import { CancelOrderDialog } from "@/components/orders/cancel-order-dialog";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { Spinner } from "@/components/ui/spinner";
import { fetchShipment, keys } from "@/lib/api/browser";
import type { Shipment } from "@/lib/api/types";
import { countryName } from "@/lib/countries";
import { formatDateTime, shortId } from "@/lib/format";
import { ShipForm } from "./ship-form";
import { SHIPMENT_STATUS_LABEL, ShipmentStatusBadge } from "./shipment-status-badge";

const COLUMNS = 7;

/** How often a parcel whose order is being cancelled is re-read, until Shipping has settled it. */
const CANCEL_POLL_MS = 1_000;

/**
 * Stands in a row's actions while its order is being cancelled (the API does it in the
 * background): re-reads the parcel until it is no longer waiting to ship, cancelled or, when
 * the carrier had it first, shipped, and hands it to `onSettled`.
 */
function CancellingParcel({ shipmentId, onSettled }: { shipmentId: string; onSettled: (shipment: Shipment) => void }) {
  useSWR(keys.shipment(shipmentId), () => fetchShipment(shipmentId), {
    refreshInterval: CANCEL_POLL_MS,
    onSuccess: (next) => {
      if (next.status !== "created") onSettled(next);
    },
  });
  return (
    <span className="inline-flex items-center gap-2 whitespace-nowrap text-sm text-slate-600" data-testid="shipment-cancelling">
      <Spinner />
      Cancelling…
    </span>
  );
}

/** What became of a parcel whose order the admin cancelled. */
function cancellationOutcome(shipment: Shipment): string {
  const order = `Order #${shortId(shipment.orderId)}`;
  if (shipment.status === "cancelled") return `${order} is cancelled; its parcel will not ship.`;
  return `${order} was not cancelled: its parcel is ${SHIPMENT_STATUS_LABEL[shipment.status].toLowerCase()} already.`;
}

/**
 * One page of shipments, each waiting one with a "Mark shipped" form that opens under its
 * row and a "Cancel…" dialog (the shopper's own) that cancels its order: the customer
 * is given back, the stock released. A changed row takes the API's answer in place and stays
 * where it was, even under a filter it no longer matches, so the admin sees what they just
 * did; a cancelled one once Shipping has called the parcel back, a moment after the API
 * accepted the cancellation.
 */
export function ShipmentTable({ initial }: { initial: readonly Shipment[] }) {
  const [shipments, setShipments] = useState(initial);
  const [shipping, setShipping] = useState<string | null>(null);
  const [confirmingCancel, setConfirmingCancel] = useState<Shipment | null>(null);
  const [cancelling, setCancelling] = useState<ReadonlySet<string>>(new Set());
  const [done, setDone] = useState<string | null>(null);
  const doneRef = useRef<HTMLDivElement>(null);

  // The button that opened the form or dialog is gone with it: the outcome takes the focus.
  useEffect(() => {
    if (done) doneRef.current?.focus();
  }, [done]);

  function shipped(next: Shipment) {
    setShipments((list) => list.map((s) => (s.id === next.id ? next : s)));
    setShipping(null);
    setDone(`Order #${shortId(next.orderId)} is shipped with ${next.carrier}, tracking number ${next.trackingNumber}.`);
  }

  function cancelAccepted(shipment: Shipment) {
    setCancelling((ids) => new Set(ids).add(shipment.id));
    setConfirmingCancel(null);
    setDone(`Order #${shortId(shipment.orderId)} is being cancelled: its parcel stays in the warehouse and the customer's payment is given back.`);
  }

  function cancelSettled(next: Shipment) {
    setShipments((list) => list.map((s) => (s.id === next.id ? next : s)));
    setCancelling((ids) => {
      const rest = new Set(ids);
      rest.delete(next.id);
      return rest;
    });
    setDone(cancellationOutcome(next));
  }

  return (
    <div>
      {done ? (
        <div ref={doneRef} tabIndex={-1} className="mb-4 focus:outline-none" data-testid="ship-outcome">
          <Alert tone="success">{done}</Alert>
        </div>
      ) : null}
      {/* Relative: the buttons' screen-reader text is placed inside the scrolling region, not beyond the page. */}
      <div tabIndex={0} role="region" aria-label="Shipments table" className="relative overflow-x-auto rounded-xl border border-slate-200 bg-white">
        <table className="w-full min-w-[52rem] text-left text-sm">
          <caption className="sr-only">Shipments</caption>
          <thead className="border-b border-slate-200 bg-slate-50 text-xs font-semibold uppercase tracking-wide text-slate-600">
            <tr>
              <th scope="col" className="px-4 py-3">Order</th>
              <th scope="col" className="px-4 py-3">Destination</th>
              <th scope="col" className="px-4 py-3">Zone</th>
              <th scope="col" className="px-4 py-3">Created</th>
              <th scope="col" className="px-4 py-3">Status</th>
              <th scope="col" className="px-4 py-3">Tracking number</th>
              <th scope="col" className="px-4 py-3">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {shipments.map((shipment) => (
              <Fragment key={shipment.id}>
                <tr data-testid="shipment-row" data-order-id={shipment.orderId}>
                  <td className="px-4 py-3 font-medium">
                    <Link href={`/orders/${shipment.orderId}`} className="font-mono text-brand-700 hover:underline" title={shipment.orderId}>
                      #{shortId(shipment.orderId)}
                    </Link>
                  </td>
                  <td className="px-4 py-3 text-slate-800">
                    {shipment.destination.city}, {countryName(shipment.destination.country)}
                  </td>
                  <td className="px-4 py-3 capitalize text-slate-700">{shipment.zone}</td>
                  <td className="whitespace-nowrap px-4 py-3 text-slate-700">{formatDateTime(shipment.createdAt)}</td>
                  <td className="px-4 py-3">
                    <ShipmentStatusBadge status={shipment.status} />
                  </td>
                  <td className="px-4 py-3">
                    {shipment.trackingNumber ? (
                      <>
                        <span className="font-mono text-xs text-slate-900" data-testid="shipment-tracking">
                          {shipment.trackingNumber}
                        </span>
                        <span className="block text-xs text-slate-500">{shipment.carrier}</span>
                      </>
                    ) : (
                      <>
                        <span aria-hidden="true" className="text-slate-400">—</span>
                        <span className="sr-only">None yet</span>
                      </>
                    )}
                  </td>
                  <td className="px-4 py-3 text-right">
                    {cancelling.has(shipment.id) ? (
                      <CancellingParcel shipmentId={shipment.id} onSettled={cancelSettled} />
                    ) : shipment.status === "created" && shipping !== shipment.id ? (
                      <div className="flex justify-end gap-2">
                        <button
                          type="button"
                          className={buttonClass("secondary", "sm", "whitespace-nowrap")}
                          onClick={() => {
                            setDone(null);
                            setShipping(shipment.id);
                          }}
                        >
                          Mark shipped…<span className="sr-only"> order #{shortId(shipment.orderId)}</span>
                        </button>
                        <button
                          type="button"
                          className={buttonClass("danger", "sm", "whitespace-nowrap")}
                          onClick={() => {
                            setDone(null);
                            setConfirmingCancel(shipment);
                          }}
                        >
                          Cancel…<span className="sr-only"> order #{shortId(shipment.orderId)}</span>
                        </button>
                      </div>
                    ) : null}
                  </td>
                </tr>
                {shipping === shipment.id ? (
                  <tr>
                    <td colSpan={COLUMNS} className="bg-slate-50 px-4 py-4">
                      <ShipForm shipment={shipment} onShipped={shipped} onCancel={() => setShipping(null)} />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
      {confirmingCancel ? (
        <CancelOrderDialog
          orderId={confirmingCancel.orderId}
          explanation="Its parcel stays in the warehouse, the customer's payment is given back in full and the stock goes back on sale."
          reasonHint="Shown to the customer on their order."
          onCancelled={() => cancelAccepted(confirmingCancel)}
          onClose={() => setConfirmingCancel(null)}
        />
      ) : null}
    </div>
  );
}
