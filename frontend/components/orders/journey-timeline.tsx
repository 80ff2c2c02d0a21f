import { formatDateTime } from "@/lib/format";
import { JOURNEY_LABEL } from "@/lib/order-copy";
import type { TimelineStep } from "@/lib/tracking";

const dot: Record<TimelineStep["state"], string> = {
  done: "border-emerald-500 bg-emerald-500",
  current: "border-brand-600 bg-brand-600 ring-4 ring-brand-100",
  upcoming: "border-slate-300 bg-white",
};

/**
 * The parcel's journey as an ordered list, oldest first. Each step says in words where it
 * stands (a time once reached, "Latest" for the current one, "Not yet" for those to come),
 * so the colours only repeat what the text says.
 */
export function JourneyTimeline({ steps }: { steps: readonly TimelineStep[] }) {
  return (
    <ol aria-label="Parcel journey" className="mt-4">
      {steps.map((step, i) => {
        const current = step.state === "current";
        const cancelled = current && step.status === "cancelled";
        return (
          <li
            // Steps are only ever added at the end of a journey, so a place names one step.
            key={i}
            aria-current={current ? "step" : undefined}
            data-testid="journey-step"
            data-status={step.status}
            data-state={step.state}
            className="relative flex gap-3 pb-4 last:pb-0"
          >
            {i < steps.length - 1 ? (
              <span
                aria-hidden="true"
                className={`absolute left-[5px] top-4 -bottom-1 w-0.5 ${steps[i + 1]?.state === "upcoming" ? "bg-slate-200" : "bg-emerald-300"}`}
              />
            ) : null}
            <span
              aria-hidden="true"
              className={`relative mt-1 h-3 w-3 shrink-0 rounded-full border-2 ${cancelled ? "border-red-600 bg-red-600 ring-4 ring-red-100" : dot[step.state]}`}
            />
            <div className="min-w-0 flex-1">
              <p className={`flex flex-wrap items-center gap-x-2 ${step.state === "upcoming" ? "text-slate-500" : "font-medium text-slate-900"} ${current ? "font-semibold" : ""}`}>
                <span>
                  {JOURNEY_LABEL[step.status]}
                  {step.location ? (
                    <>
                      {" — "}
                      <span data-testid="journey-location">{step.location}</span>
                    </>
                  ) : null}
                </span>
                {current ? (
                  <span className="rounded-full bg-brand-50 px-2 py-0.5 text-xs font-semibold text-brand-700">Latest</span>
                ) : null}
              </p>
              <p className="text-xs text-slate-500">
                {step.at ? <time dateTime={step.at}>{formatDateTime(step.at)}</time> : "Not yet"}
              </p>
            </div>
          </li>
        );
      })}
    </ol>
  );
}
