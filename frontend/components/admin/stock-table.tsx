"use client";

import Link from "next/link";
import { useState } from "react";
import { buttonClass } from "@/components/ui/button";
import { productLabel, stockState } from "@/lib/admin/stock-level";
import type { StockRow } from "@/lib/api/types";
import { type StockEdit, StockEditDialog, StockOutcome } from "./stock-dialogs";
import { StockStateBadge } from "./stock-state-badge";

/**
 * One page of stock levels, each with an "Adjust…" dialog, a "Set aside…" one (units off
 * sale as unavailable, or back on sale) and one to change its low-stock level. A changed row
 * takes the API's answer in place and stays where it was, even under "Low stock only" when
 * it is no longer low, so the admin sees what they just did.
 */
export function StockTable({ initial }: { initial: readonly StockRow[] }) {
  const [rows, setRows] = useState(initial);
  const [editing, setEditing] = useState<{ edit: StockEdit; productId: string } | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  const open = editing ? rows.find((row) => row.level.productId === editing.productId) : undefined;

  function start(edit: StockEdit, productId: string) {
    setOutcome(null);
    setEditing({ edit, productId });
  }

  return (
    <div>
      {outcome ? <StockOutcome text={outcome} /> : null}
      {/* Relative: the buttons' screen-reader text is placed inside the scrolling region, not beyond the page. */}
      <div tabIndex={0} role="region" aria-label="Stock table" className="relative overflow-x-auto rounded-xl border border-slate-200 bg-white">
        <table className="w-full min-w-[62rem] text-left text-sm">
          <caption className="sr-only">Stock levels</caption>
          <thead className="whitespace-nowrap border-b border-slate-200 bg-slate-50 text-xs font-semibold uppercase tracking-wide text-slate-600">
            <tr>
              <th scope="col" className="px-3 py-3">Product</th>
              <th scope="col" className="px-3 py-3">SKU</th>
              <th scope="col" className="px-3 py-3 text-right">On hand</th>
              <th scope="col" className="px-3 py-3 text-right">Reserved</th>
              <th scope="col" className="px-3 py-3 text-right">Unavailable</th>
              <th scope="col" className="px-3 py-3 text-right">Available</th>
              <th scope="col" className="px-3 py-3 text-right">Low at</th>
              <th scope="col" className="px-3 py-3">Status</th>
              <th scope="col" className="px-3 py-3">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map(({ level, product }) => {
              const name = productLabel(level.productId, product);
              return (
                <tr key={level.productId} data-testid="stock-row" data-product-id={level.productId}>
                  <td className="px-3 py-3 font-medium">
                    <Link href={`/admin/stock/${level.productId}`} className="text-brand-700 hover:underline">
                      {name}
                    </Link>
                  </td>
                  <td className="whitespace-nowrap px-3 py-3 font-mono text-xs text-slate-700">{product?.sku ?? "—"}</td>
                  <td className="px-3 py-3 text-right tabular-nums" data-testid="stock-on-hand">{level.onHand}</td>
                  <td className="px-3 py-3 text-right tabular-nums" data-testid="stock-reserved">{level.reserved}</td>
                  <td className="px-3 py-3 text-right tabular-nums" data-testid="stock-unavailable">{level.unavailable}</td>
                  <td className="px-3 py-3 text-right font-semibold tabular-nums" data-testid="stock-available">{level.available}</td>
                  <td className="px-3 py-3 text-right">
                    <div className="flex items-center justify-end gap-1">
                      <span className="tabular-nums" data-testid="stock-threshold">{level.lowStockThreshold}</span>
                      <button type="button" className={buttonClass("ghost", "sm", "px-2")} onClick={() => start("threshold", level.productId)}>
                        Change…<span className="sr-only"> the low-stock level of {name}</span>
                      </button>
                    </div>
                  </td>
                  <td className="px-3 py-3">
                    <StockStateBadge state={stockState(level)} />
                  </td>
                  <td className="px-3 py-3">
                    {/* One above the other, and cells padded a little less than elsewhere: the table fits a 1280-pixel screen. */}
                    <div className="flex flex-col items-stretch gap-1.5">
                      <button type="button" className={buttonClass("secondary", "sm", "whitespace-nowrap")} onClick={() => start("adjust", level.productId)}>
                        Adjust…<span className="sr-only"> {name}</span>
                      </button>
                      <button type="button" className={buttonClass("secondary", "sm", "whitespace-nowrap")} onClick={() => start("set_aside", level.productId)}>
                        Set aside…<span className="sr-only"> units of {name}</span>
                      </button>
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {editing && open ? (
        <StockEditDialog
          edit={editing.edit}
          productName={productLabel(open.level.productId, open.product)}
          level={open.level}
          onChanged={(level, text) => {
            setRows((list) => list.map((row) => (row.level.productId === level.productId ? { ...row, level } : row)));
            setEditing(null);
            setOutcome(text);
          }}
          onClose={() => setEditing(null)}
        />
      ) : null}
    </div>
  );
}
