import type { Metadata } from "next";
import { CategoryManager } from "@/components/admin/category-manager";
import { listCategories } from "@/lib/api/server";
import { requireAdmin } from "@/lib/auth-guard";

export const metadata: Metadata = { title: "Categories" };

export default async function AdminCategoriesPage() {
  await requireAdmin("/admin/categories");
  const categories = await listCategories();
  return (
    <div>
      <h1 className="mb-6 text-2xl font-bold tracking-tight text-slate-900">Categories</h1>
      <CategoryManager categories={categories} />
    </div>
  );
}
