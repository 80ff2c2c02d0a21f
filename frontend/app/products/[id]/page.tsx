import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AddToCart } from "@/components/catalog/add-to-cart";
import { ProductGallery } from "@/components/catalog/product-gallery";
import { StockBadge } from "@/components/catalog/stock-badge";
import { Alert } from "@/components/ui/alert";
import { ApiError } from "@/lib/api/problem";
import { getProduct } from "@/lib/api/server";
import { formatMoney } from "@/lib/money";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  try {
    const product = await getProduct(id);
    return { title: product?.name ?? "Product not found" };
  } catch {
    return { title: "Product" };
  }
}

export default async function ProductPage({ params }: Props) {
  const { id } = await params;
  let product;
  try {
    product = await getProduct(id);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return (
      <div className="container-page py-12">
        <Alert tone="error" title="We couldn't load this product">
          {e.detail}
        </Alert>
      </div>
    );
  }
  if (!product) notFound();

  const weight =
    product.weightGrams >= 1000
      ? `${(product.weightGrams / 1000).toLocaleString("en-US", { maximumFractionDigits: 2 })} kg`
      : `${product.weightGrams} g`;

  return (
    <div className="container-page py-8 sm:py-12">
      <nav aria-label="Breadcrumb" className="mb-6 text-sm text-slate-500">
        <ol className="flex flex-wrap items-center gap-2">
          <li>
            <Link href="/" className="hover:text-slate-900 hover:underline">
              Shop
            </Link>
          </li>
          {product.categoryName ? (
            <>
              <li aria-hidden="true">/</li>
              <li>{product.categoryName}</li>
            </>
          ) : null}
          <li aria-hidden="true">/</li>
          <li aria-current="page" className="font-medium text-slate-700">
            {product.name}
          </li>
        </ol>
      </nav>
      <div className="grid items-start gap-8 lg:grid-cols-2 lg:gap-12">
        <ProductGallery sku={product.sku} name={product.name} images={product.images} />
        <div className="flex flex-col gap-6">
          <div>
            <h1 className="text-3xl font-bold tracking-tight text-slate-900">{product.name}</h1>
            <div className="mt-4 flex flex-wrap items-center gap-3">
              <p className="text-2xl font-semibold text-slate-900" data-testid="product-price">
                {formatMoney(product.price)}
              </p>
              <StockBadge status={product.stockStatus} available={product.available} />
            </div>
          </div>
          <p className="leading-relaxed text-slate-700">{product.description}</p>
          <div className="rounded-2xl border border-slate-200 bg-white p-5 shadow-sm">
            <AddToCart product={product} />
          </div>
          <dl className="grid grid-cols-2 gap-4 text-sm">
            <div className="rounded-xl bg-white p-4 ring-1 ring-slate-200">
              <dt className="text-slate-500">SKU</dt>
              <dd className="mt-1 font-medium text-slate-900">{product.sku}</dd>
            </div>
            <div className="rounded-xl bg-white p-4 ring-1 ring-slate-200">
              <dt className="text-slate-500">Shipping weight</dt>
              <dd className="mt-1 font-medium text-slate-900">{weight}</dd>
            </div>
            <div className="rounded-xl bg-white p-4 ring-1 ring-slate-200">
              <dt className="text-slate-500">Available</dt>
              <dd className="mt-1 font-medium text-slate-900" data-testid="available">
                {product.available} units
              </dd>
            </div>
            <div className="rounded-xl bg-white p-4 ring-1 ring-slate-200">
              <dt className="text-slate-500">Returns</dt>
              <dd className="mt-1 font-medium text-slate-900">Free within 30 days</dd>
            </div>
          </dl>
        </div>
      </div>
    </div>
  );
}
