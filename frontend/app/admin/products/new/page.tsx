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
      <h1 className="mt-2 mb-6 text-2xl font-bold tracking-tight text-slate-900">New product</h1>
      <NewProduct categories={categories} />
    </div>
  );
}
