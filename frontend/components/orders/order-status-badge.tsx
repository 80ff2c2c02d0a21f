import { statusLabel } from "@/lib/order-copy";

const styles: Record<string, string> = {
  placed: "bg-sky-50 text-sky-800 ring-sky-200",
  confirmed: "bg-indigo-50 text-indigo-800 ring-indigo-200",
  completed: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  cancelling: "bg-amber-50 text-amber-900 ring-amber-200",
  delivered: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  cancelled: "bg-red-50 text-red-800 ring-red-200",
};

/** A status this storefront has no colour for (one added since) is shown in grey, in words. */
const NEUTRAL = "bg-slate-100 text-slate-800 ring-slate-300";

export function OrderStatusBadge({ status }: { status: string }) {
  return (
    <span
      data-testid="order-status"
      data-status={status}
      className={`inline-flex w-fit items-center rounded-full px-3 py-1 text-sm font-semibold ring-1 ring-inset ${
        Object.hasOwn(styles, status) ? styles[status] : NEUTRAL
      }`}
    >
      {statusLabel(status)}
    </span>
  );
}
