"use client";

import Link from "next/link";
import { Fragment, useEffect, useRef, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import type { Shipment } from "@/lib/api/types";
import { countryName } from "@/lib/countries";
import { formatDateTime, shortId } from "@/lib/format";
import { ShipForm } from "./ship-form";
import { ShipmentStatusBadge } from "./shipment-status-badge";

const COLUMNS = 7;

/**
 * One page of shipments, each waiting one with a "Mark shipped" form that opens under its
 * row. A shipped row takes the API's answer in place and stays where it was, even under a
 * filter it no longer matches, so the admin sees what they just did.
 */
export function ShipmentTable({ initial }: { initial: readonly Shipment[] }) {
  const [shipments, setShipments] = useState(initial);
  const [shipping, setShipping] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const doneRef = useRef<HTMLDivElement>(null);

  // The button that opened the form is gone with it: the outcome takes the focus.
  useEffect(() => {
    if (done) doneRef.current?.focus();
  }, [done]);

  function shipped(next: Shipment) {
    setShipments((list) => list.map((s) => (s.id === next.id ? next : s)));
    setShipping(null);
    setDone(`Order #${shortId(next.orderId)} is shipped with ${next.carrier}, tracking number ${next.trackingNumber}.`);
  }

  return (
    <div>
      {done ? (
        <div ref={doneRef} tabIndex={-1} className="mb-4 focus:outline-none" data-testid="ship-outcome">
          <Alert tone="success">{done}</Alert>
        </div>
      ) : null}
      <div tabIndex={0} role="region" aria-label="Shipments table" className="overflow-x-auto rounded-xl border border-slate-200 bg-white">
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
                    {shipment.status === "created" && shipping !== shipment.id ? (
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
    </div>
  );
}
