import Link from "next/link";
import { buttonClass } from "@/components/ui/button";

export default function ProductNotFound() {
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-8 text-center">
      <h1 className="text-xl font-semibold text-slate-900">Product not found</h1>
      <p className="mt-2 text-slate-600">There is no product with this id.</p>
      <Link href="/admin/products" className={buttonClass("primary", "md", "mt-6")}>
        Back to products
      </Link>
    </div>
  );
}
