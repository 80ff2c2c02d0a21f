import { STOCK_STATE_LABEL, type StockState } from "@/lib/admin/stock-level";

const styles: Record<StockState, string> = {
  out: "bg-red-50 text-red-800 ring-red-200",
  low: "bg-amber-50 text-amber-900 ring-amber-200",
  in: "bg-emerald-50 text-emerald-800 ring-emerald-200",
};

/** Out of stock, Low or In stock, as the stock screens judge a level (`stockState`). */
export function StockStateBadge({ state }: { state: StockState }) {
  return (
    <span
      data-testid="stock-state"
      data-state={state}
      className={`inline-flex w-fit items-center whitespace-nowrap rounded-full px-2.5 py-0.5 text-xs font-semibold ring-1 ring-inset ${styles[state]}`}
    >
      {STOCK_STATE_LABEL[state]}
    </span>
  );
}
