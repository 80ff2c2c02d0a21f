import type { ShippingOption } from "@/lib/api/types";
import { type CartLine, cartTotals, lineTotal } from "@/lib/cart/reducer";
import { formatMoney, formatTotals } from "@/lib/money";
import { SERVICE_LABEL, checkoutTotals } from "@/lib/shipping";

/**
 * The cart as it will be ordered: lines, the items' sum, the shipping chosen (as quoted) and
 * the total that will be charged, in minor units formatted once.
 */
export function OrderSummary({
  lines,
  shipping,
}: {
  lines: readonly CartLine[];
  /** The option charged, when one is known, and what the shipping line says (its price, "Free", "Calculating…"). */
  shipping: { option: ShippingOption | null; text: string };
}) {
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
      <dl className="mt-3 space-y-2 border-t border-slate-200 pt-3 text-sm">
        <div className="flex justify-between gap-3">
          <dt className="text-slate-700">Items</dt>
          <dd className="font-medium text-slate-900" data-testid="checkout-items">
            {formatTotals(cartTotals({ lines: [...lines] }))}
          </dd>
        </div>
        <div className="flex justify-between gap-3">
          <dt className="text-slate-700">
            Shipping
            {shipping.option ? <span className="text-slate-500"> ({SERVICE_LABEL[shipping.option.service]})</span> : null}
          </dt>
          <dd className="font-medium text-slate-900" data-testid="checkout-shipping">
            {shipping.text}
          </dd>
        </div>
        <div className="flex justify-between gap-3 border-t border-slate-200 pt-3 text-base font-semibold text-slate-900">
          <dt>Total</dt>
          <dd data-testid="checkout-total" aria-live="polite">
            {formatTotals(checkoutTotals(lines, shipping.option))}
          </dd>
        </div>
      </dl>
    </section>
  );
}
