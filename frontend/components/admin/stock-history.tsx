import Link from "next/link";
import type { ReactNode } from "react";
import { movementLabel, reasonLabel, signedUnits } from "@/lib/admin/stock-level";
import type { StockMovement, User } from "@/lib/api/types";
import { formatDateTime, shortId } from "@/lib/format";

/** An empty cell that says so to a screen reader. */
function None({ label }: { label: string }) {
  return (
    <>
      <span aria-hidden="true" className="text-slate-400">—</span>
      <span className="sr-only">{label}</span>
    </>
  );
}

/** Who adjusted: the signed-in admin by name, another admin by the short form of their id. */
function Actor({ actor, admin }: { actor: string | null; admin: User }): ReactNode {
  if (!actor) return <None label="The shop" />;
  if (actor === admin.id) return `${admin.name} (you)`;
  return <span title={actor}>Admin #{shortId(actor)}</span>;
}

/**
 * One page of a product's stock movements, newest first: restocks, counts, write-offs and
 * units set aside (or back on sale) with their reason, note and admin, and the units held,
 * given back or shipped for each order.
 */
export function StockHistory({ movements, admin }: { movements: readonly StockMovement[]; admin: User }) {
  // Relative: the cells' screen-reader text is placed inside the scrolling region, not beyond the page.
  return (
    <div tabIndex={0} role="region" aria-label="Stock history table" className="relative overflow-x-auto rounded-xl border border-slate-200 bg-white">
      <table className="w-full min-w-[60rem] text-left text-sm">
        <caption className="sr-only">Stock movements, newest first</caption>
        <thead className="whitespace-nowrap border-b border-slate-200 bg-slate-50 text-xs font-semibold uppercase tracking-wide text-slate-600">
          <tr>
            <th scope="col" className="px-3 py-3">When</th>
            <th scope="col" className="px-3 py-3">Movement</th>
            <th scope="col" className="px-3 py-3 text-right">On hand</th>
            <th scope="col" className="px-3 py-3 text-right">Reserved</th>
            <th scope="col" className="px-3 py-3 text-right">Unavailable</th>
            <th scope="col" className="px-3 py-3 text-right">Available</th>
            <th scope="col" className="px-3 py-3">Why</th>
            <th scope="col" className="px-3 py-3">Order</th>
            <th scope="col" className="px-3 py-3">By</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {movements.map((m) => (
            <tr key={m.sequence} data-testid="stock-movement" data-kind={m.kind}>
              {/* Date and time may take two lines, and cells are padded a little less than elsewhere: the table fits a 1280-pixel screen. */}
              <td className="min-w-36 px-3 py-3 text-slate-700">{formatDateTime(m.at)}</td>
              <td className="whitespace-nowrap px-3 py-3 font-medium text-slate-900" data-testid="movement-kind">{movementLabel(m.kind, m.unavailableChange)}</td>
              <td className="whitespace-nowrap px-3 py-3 text-right tabular-nums" data-testid="movement-on-hand">
                {signedUnits(m.onHandChange)} <span className="text-slate-500">→ {m.onHand}</span>
              </td>
              <td className="px-3 py-3 text-right tabular-nums">{signedUnits(m.reservedChange)}</td>
              <td className="whitespace-nowrap px-3 py-3 text-right tabular-nums" data-testid="movement-unavailable">
                {signedUnits(m.unavailableChange)} <span className="text-slate-500">→ {m.unavailable}</span>
              </td>
              <td className="px-3 py-3 text-right font-semibold tabular-nums">{m.available}</td>
              <td className="max-w-xs break-words px-3 py-3 text-slate-800">
                {m.reason || m.note ? (
                  <>
                    {m.reason ? <span data-testid="movement-reason">{reasonLabel(m.reason)}</span> : null}
                    {m.note ? (
                      <span className="block text-xs text-slate-600" data-testid="movement-note">
                        <span className="sr-only">Note: </span>
                        {m.note}
                      </span>
                    ) : null}
                  </>
                ) : (
                  <None label="None given" />
                )}
              </td>
              <td className="px-3 py-3">
                {m.orderId ? (
                  <Link href={`/orders/${m.orderId}`} className="font-mono text-brand-700 hover:underline" title={m.orderId}>
                    #{shortId(m.orderId)}
                  </Link>
                ) : (
                  <None label="None" />
                )}
              </td>
              <td className="whitespace-nowrap px-3 py-3 text-slate-700">
                <Actor actor={m.actor} admin={admin} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
