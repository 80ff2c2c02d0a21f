"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { buttonClass } from "@/components/ui/button";
import { stockState } from "@/lib/admin/stock-level";
import type { StockLevel } from "@/lib/api/types";
import { type StockEdit, StockEditDialog, StockOutcome } from "./stock-dialogs";
import { StockStateBadge } from "./stock-state-badge";

function Fact({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <div className="rounded-lg bg-slate-50 px-4 py-3 ring-1 ring-slate-200">
      <dt className="text-xs font-semibold uppercase tracking-wide text-slate-600">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold tabular-nums text-slate-900" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

/**
 * One product's stock on its own page, with the same dialogs as the list. After a change
 * the page is read again, so the history below shows the movement just recorded.
 */
export function StockLevelPanel({ productName, initial }: { productName: string; initial: StockLevel }) {
  const router = useRouter();
  const [level, setLevel] = useState(initial);
  const [editing, setEditing] = useState<StockEdit | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);

  function start(edit: StockEdit) {
    setOutcome(null);
    setEditing(edit);
  }

  return (
    <section aria-labelledby="level-title" className="mb-8 rounded-xl border border-slate-200 bg-white p-5">
      {outcome ? <StockOutcome text={outcome} /> : null}
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <div className="flex items-center gap-3">
          <h2 id="level-title" className="text-base font-semibold text-slate-900">
            Stock level
          </h2>
          <StockStateBadge state={stockState(level)} />
        </div>
        <div className="flex gap-2">
          <button type="button" className={buttonClass("primary", "sm")} onClick={() => start("adjust")}>
            Adjust…
          </button>
          <button type="button" className={buttonClass("secondary", "sm")} onClick={() => start("set_aside")}>
            Set aside…
          </button>
          <button type="button" className={buttonClass("secondary", "sm")} onClick={() => start("threshold")}>
            Low-stock level…
          </button>
        </div>
      </div>
      <dl className="grid gap-3 sm:grid-cols-3 lg:grid-cols-5">
        <Fact label="On hand" value={level.onHand} testId="stock-on-hand" />
        <Fact label="Reserved" value={level.reserved} testId="stock-reserved" />
        <Fact label="Unavailable" value={level.unavailable} testId="stock-unavailable" />
        <Fact label="Available" value={level.available} testId="stock-available" />
        <Fact label="Low at" value={level.lowStockThreshold} testId="stock-threshold" />
      </dl>
      {editing ? (
        <StockEditDialog
          edit={editing}
          productName={productName}
          level={level}
          onChanged={(next, text) => {
            setLevel(next);
            setEditing(null);
            setOutcome(text);
            router.refresh();
          }}
          onClose={() => setEditing(null)}
        />
      ) : null}
    </section>
  );
}
