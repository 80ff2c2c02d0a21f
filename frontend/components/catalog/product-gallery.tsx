"use client";

import { useState } from "react";
import type { ProductImage } from "@/lib/api/types";
import { ProductArt } from "./product-art";
import { ProductPicture } from "./product-picture";

/** Proportions the large frame may take: a panorama or a tall strip is letterboxed inside these. */
const WIDEST = 4 / 3;
const TALLEST = 3 / 4;

/**
 * The product page's pictures: one shown large, and a row of thumbnails (toggle buttons)
 * to choose which. The frame takes the cover's proportions, so the page does not jump when
 * another picture is chosen; each one is shown whole inside it. Without pictures, the
 * product's drawn tile.
 */
export function ProductGallery({ sku, name, images }: { sku: string; name: string; images: ProductImage[] }) {
  const [chosen, setChosen] = useState(0);
  const cover = images[0];
  const shown = images[chosen] ?? cover;
  if (!cover || !shown) {
    return (
      <div className="overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-sm">
        <ProductArt sku={sku} name={name} size="lg" />
      </div>
    );
  }
  const ratio = Math.min(WIDEST, Math.max(TALLEST, cover.width / cover.height));
  return (
    <div className="flex flex-col gap-3">
      <div
        className="overflow-hidden rounded-2xl border border-slate-200 bg-white shadow-sm"
        style={{ aspectRatio: ratio }}
      >
        <ProductPicture
          image={shown}
          size="large"
          loading="eager"
          fetchPriority="high"
          className="h-full w-full object-contain"
          data-testid="gallery-picture"
        />
      </div>
      {images.length > 1 ? (
        <ul aria-label="Pictures" className="grid grid-cols-5 gap-2 sm:grid-cols-6">
          {images.map((image, index) => (
            <li key={image.id}>
              <button
                type="button"
                aria-pressed={index === chosen}
                onClick={() => setChosen(index)}
                className={`block w-full overflow-hidden rounded-lg border-2 bg-white transition focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-500 ${
                  index === chosen ? "border-brand-600 ring-2 ring-brand-200" : "border-slate-200 hover:border-slate-400"
                }`}
              >
                <ProductPicture image={image} size="thumb" alt="" className="aspect-square w-full object-cover" />
                <span className="sr-only">
                  Picture {index + 1} of {images.length}: {image.alt}
                </span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
