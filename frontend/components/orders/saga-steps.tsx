import type { SagaStep, SagaStepStatus } from "@/lib/api/types";
import { stepLabel, stepStatusLabel } from "@/lib/order-copy";

const dot: Record<SagaStepStatus, string> = {
  pending: "border-slate-300 bg-white",
  in_progress: "border-brand-500 bg-brand-100 animate-pulse",
  succeeded: "border-emerald-500 bg-emerald-500",
  failed: "border-red-500 bg-red-500",
  compensating: "border-amber-500 bg-amber-100 animate-pulse",
  compensated: "border-amber-500 bg-amber-400",
};

const text: Record<SagaStepStatus, string> = {
  pending: "text-slate-500",
  in_progress: "text-brand-700",
  succeeded: "text-emerald-700",
  failed: "text-red-700",
  compensating: "text-amber-700",
  compensated: "text-amber-700",
};

/** The place-order saga as a checklist, so a shopper sees what happened and what was undone. */
export function SagaSteps({ steps }: { steps: readonly SagaStep[] }) {
  if (steps.length === 0) return null;
  return (
    <ol className="space-y-3" aria-label="Order progress">
      {steps.map((step) => (
        <li key={step.name} className="flex items-start gap-3" data-step={step.name} data-step-status={step.status}>
          <span aria-hidden="true" className={`mt-1 h-3 w-3 shrink-0 rounded-full border-2 ${dot[step.status]}`} />
          <div className="flex flex-1 flex-wrap items-baseline justify-between gap-x-3 text-sm">
            <span className={step.status === "pending" ? "text-slate-500" : "font-medium text-slate-800"}>
              {stepLabel(step.name)}
            </span>
            <span className={`text-xs font-medium ${text[step.status]}`}>{stepStatusLabel(step.name, step.status)}</span>
            {step.detail ? <p className="w-full text-xs text-slate-500">{step.detail}</p> : null}
          </div>
        </li>
      ))}
    </ol>
  );
}
