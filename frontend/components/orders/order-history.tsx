import Link from "next/link";
import type { Order } from "@/lib/api/types";
import { formatDateTime, pluralize, shortId } from "@/lib/format";
import { formatMoney } from "@/lib/money";
import { OrderStatusBadge } from "./order-status-badge";

export function OrderHistory({ orders }: { orders: readonly Order[] }) {
  return (
    <ul className="divide-y divide-slate-200 rounded-2xl border border-slate-200 bg-white shadow-sm" aria-label="Orders">
      {orders.map((order) => (
        <li key={order.id} className="relative flex flex-col gap-2 p-5 hover:bg-slate-50 sm:flex-row sm:items-center sm:justify-between" data-testid="order-row">
          <div className="min-w-0">
            <p className="font-semibold text-slate-900">
              <Link href={`/orders/${order.id}`} className="after:absolute after:inset-0">
                Order #{shortId(order.id)}
              </Link>
            </p>
            <p className="text-sm text-slate-500">
              {formatDateTime(order.placedAt)} · {pluralize(order.itemCount, "item")}
            </p>
            <p className="mt-1 truncate text-sm text-slate-600">{order.lines.map((l) => l.name).join(", ")}</p>
          </div>
          <div className="flex items-center gap-4 sm:flex-col sm:items-end sm:gap-1">
            <p className="font-semibold text-slate-900">{formatMoney(order.total)}</p>
            <OrderStatusBadge status={order.status} />
          </div>
        </li>
      ))}
    </ul>
  );
}
