"use client";

import { useRef } from "react";
import useSWR from "swr";
import { fetchShipment, keys } from "@/lib/api/browser";
import type { Shipment } from "@/lib/api/types";
import { shortId } from "@/lib/format";
import { isMoving, timeline } from "@/lib/tracking";
import { JourneyTimeline } from "./journey-timeline";

/**
 * How often a parcel still on its way is re-read while its page is open. The order's live
 * updates end with the place-order saga, before the parcel leaves; carriers report in hours,
 * so a slow poll (and a re-read whenever the page is shown again) is enough.
 */
export const TRACKING_POLL_MS = 30_000;

export function trackingInterval(shipment: Shipment | undefined): number {
  return shipment && !isMoving(shipment.status) ? 0 : TRACKING_POLL_MS;
}

/**
 * The order's parcel: who carries it under which tracking number, and its journey. Starts
 * from the server's answer when there is one; `onMoved` is told when the parcel's status
 * changes while the page is open (the order's own status follows it, e.g. to delivered).
 */
export function ShipmentTracking({
  shipmentId,
  initial,
  onMoved,
}: {
  shipmentId: string;
  initial: Shipment | null;
  onMoved: () => void;
}) {
  const seen = useRef(initial?.status ?? null);
  const { data: shipment, error } = useSWR(keys.shipment(shipmentId), () => fetchShipment(shipmentId), {
    // Re-read on mount all the same: a parcel cached from an earlier visit would hide the server's answer.
    fallbackData: initial ?? undefined,
    refreshInterval: (latest) => trackingInterval(latest ?? initial ?? undefined),
    onSuccess: (next) => {
      if (seen.current !== null && seen.current !== next.status) onMoved();
      seen.current = next.status;
    },
  });

  return (
    <section aria-labelledby="tracking-title" className="rounded-2xl border border-slate-200 bg-white p-6 text-sm shadow-sm">
      <h2 id="tracking-title" className="mb-3 text-lg font-semibold text-slate-900">
        Tracking
      </h2>
      <dl className="space-y-1">
        <Detail term="Shipment" className="font-mono text-xs" title={shipmentId}>
          #{shortId(shipmentId)}
        </Detail>
        {shipment ? (
          <Detail term="Zone" className="capitalize" testId="shipment-zone">
            {shipment.zone}
          </Detail>
        ) : null}
        {shipment?.carrier ? (
          <Detail term="Carrier" testId="carrier">
            {shipment.carrier}
          </Detail>
        ) : null}
        {shipment?.trackingNumber ? (
          <Detail term="Tracking number" className="break-all font-mono text-xs font-semibold" testId="tracking-number">
            {shipment.trackingNumber}
          </Detail>
        ) : null}
      </dl>
      {shipment ? (
        <JourneyTimeline steps={timeline(shipment.journey)} />
      ) : (
        <p className="mt-4 text-slate-500">{error ? "We couldn't look up the parcel just now." : "Looking up the parcel…"}</p>
      )}
    </section>
  );
}

/** One line of the panel's facts: a term and its value. */
function Detail({
  term,
  className = "",
  title,
  testId,
  children,
}: {
  term: string;
  className?: string;
  title?: string;
  testId?: string;
  children: React.ReactNode;
}) {
  return (
    <div className="flex justify-between gap-2">
      <dt className="text-slate-500">{term}</dt>
      <dd className={`text-slate-900 ${className}`.trim()} title={title} data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}
