"use client";

import useSWR from "swr";
import { Skeleton } from "@/components/ui/skeleton";
import { fetchOrderTimeline, keys } from "@/lib/api/browser";
import { errorMessage } from "@/lib/api/problem";
import type { OrderMoment } from "@/lib/api/types";
import { formatDateTime } from "@/lib/format";
import { momentLabel } from "@/lib/order-copy";

/** Moments that undo or stop something, marked apart from the order going forward. */
const SETBACKS: ReadonlySet<OrderMoment> = new Set([
  "cancellation_requested",
  "cancellation_refused",
  "refunded",
  "payment_released",
  "stock_released",
  "cancelled",
  "needs_attention",
]);

/**
 * The order's history as the API keeps it, oldest first: each moment in words, its time,
 * and what to know of it (the carrier's tracking number, where the parcel was scanned,
 * why it was cancelled). `version` changes with anything that adds a moment, so the
 * history is read again then.
 */
export function OrderTimeline({ orderId, version }: { orderId: string; version: string }) {
  const { data, error } = useSWR(keys.orderTimeline(orderId, version), () => fetchOrderTimeline(orderId), {
    revalidateOnFocus: false,
    // Moving on to a new version keeps the old history on screen until the new one arrives.
    keepPreviousData: true,
  });
  if (!data) {
    return error ? (
      <p className="text-sm text-slate-500">The history cannot be shown just now ({errorMessage(error)}).</p>
    ) : (
      <Skeleton className="h-24" />
    );
  }
  return (
    <ol aria-label="Order history" className="space-y-3">
      {data.map((entry, i) => {
        const setback = SETBACKS.has(entry.moment);
        return (
          // The history only grows at its end, so a place names one moment.
          <li key={i} data-testid="timeline-moment" data-moment={entry.moment} className="flex items-start gap-3 text-sm">
            <span
              aria-hidden="true"
              className={`mt-1 h-3 w-3 shrink-0 rounded-full border-2 ${setback ? "border-amber-500 bg-amber-400" : "border-emerald-500 bg-emerald-500"}`}
            />
            <div className="min-w-0">
              <p className="font-medium text-slate-900">{momentLabel(entry.moment)}</p>
              <time dateTime={entry.at} className="block text-xs text-slate-500">
                {formatDateTime(entry.at)}
              </time>
              {entry.detail ? <p className="break-words text-slate-600">{entry.detail}</p> : null}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
