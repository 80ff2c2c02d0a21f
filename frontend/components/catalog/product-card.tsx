import Link from "next/link";
import type { Product } from "@/lib/api/types";
import { formatMoney } from "@/lib/money";
import { ProductCover } from "./product-picture";
import { StockBadge } from "./stock-badge";

export function ProductCard({ product }: { product: Product }) {
  return (
    <li className="group relative flex flex-col overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-sm transition hover:-translate-y-0.5 hover:shadow-md">
      <ProductCover product={product} size="card" />
      <div className="flex flex-1 flex-col gap-3 p-3 sm:p-4">
        <div className="flex-1">
          {product.categoryName ? (
            <p className="text-xs font-medium uppercase tracking-wide text-slate-500">{product.categoryName}</p>
          ) : null}
          <h3 className="mt-1 font-semibold leading-snug text-slate-900">
            <Link href={`/products/${product.id}`} className="after:absolute after:inset-0 focus-visible:outline-none">
              {product.name}
            </Link>
          </h3>
        </div>
        <div className="flex flex-wrap items-center justify-between gap-2">
          <p className="text-lg font-bold text-slate-900" data-testid="price">
            {formatMoney(product.price)}
          </p>
          <StockBadge status={product.stockStatus} available={product.available} />
        </div>
      </div>
      <span
        aria-hidden="true"
        className="pointer-events-none absolute inset-0 rounded-2xl ring-brand-500 group-focus-within:ring-2"
      />
    </li>
  );
}

export function ProductGrid({
  products,
  className = "grid-cols-2 lg:grid-cols-3 xl:grid-cols-4",
}: {
  products: Product[];
  /** The column count per breakpoint. */
  className?: string;
}) {
  return (
    <ul className={`grid gap-3 sm:gap-5 ${className}`} aria-label="Products">
      {products.map((p) => (
        <ProductCard key={p.id} product={p} />
      ))}
    </ul>
  );
}
