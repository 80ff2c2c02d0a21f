import type { OrderStatus } from "@/lib/api/types";
import { STATUS_LABEL } from "@/lib/order-copy";

const styles: Record<OrderStatus, string> = {
  placed: "bg-sky-50 text-sky-800 ring-sky-200",
  confirmed: "bg-indigo-50 text-indigo-800 ring-indigo-200",
  completed: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  cancelled: "bg-red-50 text-red-800 ring-red-200",
};

export function OrderStatusBadge({ status }: { status: OrderStatus }) {
  return (
    <span
      data-testid="order-status"
      data-status={status}
      className={`inline-flex w-fit items-center rounded-full px-3 py-1 text-sm font-semibold ring-1 ring-inset ${styles[status]}`}
    >
      {STATUS_LABEL[status]}
    </span>
  );
}
