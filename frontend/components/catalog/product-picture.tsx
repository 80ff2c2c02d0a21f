import type { ImgHTMLAttributes } from "react";
import type { Product, ProductImage } from "@/lib/api/types";
import { ProductArt } from "./product-art";

/** The sizes the API serves every picture in, each fitting a square of this many pixels. */
export type PictureSize = "thumb" | "card" | "large";

const urlOf: Record<PictureSize, (image: ProductImage) => string> = {
  thumb: (image) => image.thumbUrl,
  card: (image) => image.cardUrl,
  large: (image) => image.largeUrl,
};

/**
 * One size of a product picture, as the API sized it (a plain `img`: there is nothing left
 * for an image optimiser to do). Its width and height are the large size's, whose
 * proportions every size keeps, so the browser reserves the right box before the bytes
 * arrive. `alt` defaults to the picture's own text.
 */
export function ProductPicture({
  image,
  size,
  alt = image.alt,
  loading = "lazy",
  ...rest
}: {
  image: ProductImage;
  size: PictureSize;
  alt?: string;
} & Omit<ImgHTMLAttributes<HTMLImageElement>, "src" | "srcSet" | "width" | "height" | "alt">) {
  return (
    <img
      src={urlOf[size](image)}
      alt={alt}
      width={image.width}
      height={image.height}
      loading={loading}
      decoding="async"
      {...rest}
    />
  );
}

/**
 * A product's cover filling a 4:3 tile (cropped to it, as listings line up best), or its
 * drawn tile when the product has no pictures.
 */
export function ProductCover({
  product,
  size,
}: {
  product: Pick<Product, "sku" | "name" | "images">;
  size: "thumb" | "card";
}) {
  const cover = product.images[0];
  if (!cover) return <ProductArt sku={product.sku} name={product.name} />;
  return (
    <div className="aspect-[4/3] w-full overflow-hidden bg-slate-100">
      <ProductPicture image={cover} size={size} className="h-full w-full object-cover" />
    </div>
  );
}
