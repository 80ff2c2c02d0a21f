import Link from "next/link";
import { buttonClass } from "@/components/ui/button";

export default function StockNotFound() {
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-8 text-center">
      <h1 className="text-xl font-semibold text-slate-900">No stock for this product</h1>
      <p className="mt-2 text-slate-600">Inventory keeps no units for a product with this id.</p>
      <Link href="/admin/stock" className={buttonClass("primary", "md", "mt-6")}>
        Back to stock
      </Link>
    </div>
  );
}
