import type { Metadata } from "next";
import Link from "next/link";
import { NewProduct } from "@/components/admin/new-product";
import { listCategories } from "@/lib/api/server";
import { requireAdmin } from "@/lib/auth-guard";

export const metadata: Metadata = { title: "New product" };

export default async function NewProductPage() {
  await requireAdmin("/admin/products/new");
  const categories = await listCategories();
  return (
    <div>
      <Link href="/admin/products" className="text-sm font-medium text-brand-700 hover:underline">
        ← Products
      </Link>
      <h1 className="mt-2 text-2xl font-bold tracking-tight text-slate-900">New product</h1>
      <p className="mt-1 mb-6 text-sm text-slate-600">Pictures are added on the next screen, once the product is created.</p>
      <NewProduct categories={categories} />
    </div>
  );
}
