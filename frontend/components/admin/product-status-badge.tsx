import type { ProductListStatus } from "@/lib/api/types";

const styles: Record<ProductListStatus, string> = {
  draft: "bg-slate-100 text-slate-800 ring-slate-300",
  active: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  archived: "bg-amber-50 text-amber-900 ring-amber-200",
  deleted: "bg-red-50 text-red-800 ring-red-200",
};

const labels: Record<ProductListStatus, string> = {
  draft: "Draft",
  active: "Active",
  archived: "Archived",
  deleted: "Deleted",
};

export function ProductStatusBadge({ status }: { status: ProductListStatus }) {
  return (
    <span
      data-testid="product-status"
      data-status={status}
      className={`inline-flex w-fit items-center rounded-full px-2.5 py-0.5 text-xs font-semibold ring-1 ring-inset ${styles[status]}`}
    >
      {labels[status]}
    </span>
  );
}
