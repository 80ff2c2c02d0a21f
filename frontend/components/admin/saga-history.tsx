"use client";

import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { Spinner } from "@/components/ui/spinner";
import { retrySaga } from "@/lib/api/browser";
import { errorMessage } from "@/lib/api/problem";
import type { ApiSagaDetail, SagaStatus } from "@/lib/api/types";
import { formatDateTime } from "@/lib/format";
import { stepLabel } from "@/lib/order-copy";

const SAGA_STATUS_LABEL: Record<SagaStatus, string> = {
  running: "Running",
  completed: "Completed",
  compensating: "Undoing",
  compensated: "Undone",
  needs_attention: "Needs attention",
};

/**
 * A saga step by step, for whoever keeps the shop running: every transition with its time,
 * step, attempt and outcome, oldest first. A saga parked for attention offers to send its
 * awaited compensation again, once the cause of its failures is fixed.
 */
export function SagaHistory({ initial, title = "Saga history" }: { initial: ApiSagaDetail; title?: string }) {
  const [detail, setDetail] = useState(initial);
  const [pending, setPending] = useState(false);
  const [message, setMessage] = useState<{ tone: "error" | "success"; text: string } | null>(null);
  const { saga } = detail;

  async function retry() {
    setPending(true);
    setMessage(null);
    try {
      const next = await retrySaga(saga.saga_id);
      setDetail(next);
      setMessage({ tone: "success", text: "The compensation was sent again; its answer will show here." });
    } catch (e) {
      setMessage({ tone: "error", text: errorMessage(e) });
    } finally {
      setPending(false);
    }
  }

  return (
    <section aria-labelledby={`saga-title-${saga.saga_id}`} className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <div>
          <h2 id={`saga-title-${saga.saga_id}`} className="text-lg font-semibold text-slate-900">
            {title}
          </h2>
          <p className="text-sm text-slate-500">
            <span className="font-mono">{saga.saga_type}</span> ·{" "}
            <span data-testid="saga-status">{SAGA_STATUS_LABEL[saga.status] ?? saga.status}</span> · last changed{" "}
            {formatDateTime(saga.updated_at)}
          </p>
        </div>
        {saga.status === "needs_attention" ? (
          <button type="button" className={buttonClass("primary", "sm")} onClick={() => void retry()} disabled={pending}>
            {pending ? <Spinner /> : null}
            Retry compensation
          </button>
        ) : null}
      </div>
      {saga.view.failure ? (
        <Alert tone="warning" title={`Failed: ${saga.view.failure.code}`} className="mb-4">
          {saga.view.failure.message}
        </Alert>
      ) : null}
      {message ? (
        <Alert tone={message.tone} className="mb-4">
          {message.text}
        </Alert>
      ) : null}
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Every transition of the saga, oldest first</caption>
          <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="py-2 pr-3 font-semibold">#</th>
              <th scope="col" className="py-2 pr-3 font-semibold">When</th>
              <th scope="col" className="py-2 pr-3 font-semibold">Step</th>
              <th scope="col" className="py-2 pr-3 font-semibold">Event</th>
              <th scope="col" className="py-2 font-semibold">What happened</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {detail.timeline.map((entry) => (
              <tr key={entry.version} data-testid="saga-entry" data-event={entry.event}>
                <td className="py-2 pr-3 text-slate-500">{entry.version}</td>
                <td className="whitespace-nowrap py-2 pr-3 text-slate-600">{formatDateTime(entry.recorded_at)}</td>
                <td className="py-2 pr-3 text-slate-900">{entry.step ? stepLabel(entry.step) : "—"}</td>
                <td className="py-2 pr-3 font-mono text-xs text-slate-600">{entry.event}</td>
                <td className="py-2 text-slate-700">{entry.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
