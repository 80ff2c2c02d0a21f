import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ProductEditor } from "@/components/admin/product-editor";
import { getAdminProduct, listCategories } from "@/lib/api/server";
import { redirectIfUnauthorized, requireAdmin } from "@/lib/auth-guard";

export const metadata: Metadata = { title: "Edit product" };

type Props = {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

/** Any product, draft or archived included, read past the shop's cache with the admin's token. */
export default async function EditProductPage({ params, searchParams }: Props) {
  const { id } = await params;
  const created = (await searchParams).created === "1";
  const path = `/admin/products/${encodeURIComponent(id)}`;
  const { token } = await requireAdmin(path);
  let product;
  let categories;
  try {
    [product, categories] = await Promise.all([getAdminProduct(token, id), listCategories()]);
  } catch (e) {
    redirectIfUnauthorized(e, path);
    throw e;
  }
  if (!product) notFound();
  return (
    <div>
      <Link href="/admin/products" className="mb-2 inline-block text-sm font-medium text-brand-700 hover:underline">
        ← Products
      </Link>
      <ProductEditor key={product.id} initial={product} categories={categories} created={created} />
    </div>
  );
}
