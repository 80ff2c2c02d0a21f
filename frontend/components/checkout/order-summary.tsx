import { type CartLine, cartTotals, lineTotal } from "@/lib/cart/reducer";
import { formatMoney, formatTotals } from "@/lib/money";

/** The cart as it will be ordered: lines and total, in minor units formatted once. */
export function OrderSummary({ lines }: { lines: readonly CartLine[] }) {
  return (
    <section aria-labelledby="summary-title" className="rounded-2xl border border-slate-200 bg-white p-6 shadow-sm">
      <h2 id="summary-title" className="text-lg font-semibold text-slate-900">
        Order summary
      </h2>
      <ul className="mt-4 divide-y divide-slate-100 text-sm">
        {lines.map((l) => (
          <li key={l.productId} className="flex justify-between gap-3 py-2">
            <span className="text-slate-700">
              {l.name} <span className="text-slate-500">× {l.quantity}</span>
            </span>
            <span className="shrink-0 font-medium text-slate-900">{formatMoney(lineTotal(l))}</span>
          </li>
        ))}
      </ul>
      <div className="mt-3 flex justify-between border-t border-slate-200 pt-3 text-base font-semibold text-slate-900">
        <span>Total</span>
        <span data-testid="checkout-total">{formatTotals(cartTotals({ lines: [...lines] }))}</span>
      </div>
    </section>
  );
}
