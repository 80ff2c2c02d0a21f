import Link from "next/link";
import { OrderStatusBadge } from "@/components/orders/order-status-badge";
import type { Order } from "@/lib/api/types";
import { formatDateTime, pluralize, shortId } from "@/lib/format";
import { formatMoney } from "@/lib/money";

/** Every order of a page, newest first: its number (opening the order's admin page), when, who, what it came to. */
export function OrderTable({ orders }: { orders: readonly Order[] }) {
  return (
    <div className="overflow-x-auto rounded-2xl border border-slate-200 bg-white shadow-sm">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Orders, newest first</caption>
        <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th scope="col" className="px-4 py-3 font-semibold">Order</th>
            <th scope="col" className="px-4 py-3 font-semibold">Placed</th>
            <th scope="col" className="px-4 py-3 font-semibold">Customer</th>
            <th scope="col" className="px-4 py-3 font-semibold">Items</th>
            <th scope="col" className="px-4 py-3 text-right font-semibold">Total</th>
            <th scope="col" className="px-4 py-3 font-semibold">Status</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {orders.map((order) => (
            <tr key={order.id} data-testid="admin-order-row">
              <td className="px-4 py-3 font-mono font-semibold">
                <Link href={`/admin/orders/${order.id}`} className="text-brand-700 hover:underline">
                  #{shortId(order.id)}
                </Link>
              </td>
              <td className="whitespace-nowrap px-4 py-3 text-slate-600">{formatDateTime(order.placedAt)}</td>
              <td className="px-4 py-3">
                <Link
                  href={`/admin/orders?customer_id=${encodeURIComponent(order.customerId)}`}
                  className="font-mono text-xs text-slate-600 hover:underline"
                  aria-label={`Every order of customer ${shortId(order.customerId)}`}
                  title="Every order of this customer"
                >
                  {shortId(order.customerId)}
                </Link>
              </td>
              <td className="px-4 py-3 text-slate-600">{pluralize(order.itemCount, "item")}</td>
              <td className="whitespace-nowrap px-4 py-3 text-right font-semibold text-slate-900">{formatMoney(order.total)}</td>
              <td className="px-4 py-3">
                <OrderStatusBadge status={order.status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
