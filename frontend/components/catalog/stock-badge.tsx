import type { StockStatus } from "@/lib/api/types";

/** In stock / only N left / out of stock, in words and colour (never colour alone). */
export function StockBadge({ status, available }: { status: StockStatus; available: number }) {
  if (status === "out_of_stock") {
    return (
      <span className="inline-flex items-center gap-1.5 rounded-full bg-slate-100 px-2.5 py-1 text-xs font-medium text-slate-600">
        <span aria-hidden="true" className="h-1.5 w-1.5 rounded-full bg-slate-400" />
        Out of stock
      </span>
    );
  }
  if (status === "low_stock") {
    return (
      <span className="inline-flex items-center gap-1.5 rounded-full bg-amber-50 px-2.5 py-1 text-xs font-medium text-amber-800">
        <span aria-hidden="true" className="h-1.5 w-1.5 rounded-full bg-amber-500" />
        Only {available} left
      </span>
    );
  }
  return (
    <span className="inline-flex items-center gap-1.5 rounded-full bg-emerald-50 px-2.5 py-1 text-xs font-medium text-emerald-800">
      <span aria-hidden="true" className="h-1.5 w-1.5 rounded-full bg-emerald-500" />
      In stock
    </span>
  );
}
