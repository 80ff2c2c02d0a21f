"use client";

import { useRouter } from "next/navigation";
import { type ChangeEvent, type FormEvent, useRef, useState } from "react";
import { ProductPicture } from "@/components/catalog/product-picture";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { TextField } from "@/components/ui/field";
import { Spinner } from "@/components/ui/spinner";
import { MAX_ALT_CHARS, MAX_PICTURES, PICTURE_TYPES, pictureFieldErrors, pictureFileProblem } from "@/lib/admin/pictures";
import { FORM_LEVEL, type FieldErrors } from "@/lib/admin/product-form";
import { removeProductImage, uploadProductImage } from "@/lib/api/browser";
import { ApiError } from "@/lib/api/problem";
import type { ProductImage } from "@/lib/api/types";
import { refusal } from "./new-product";
import type { FormNotice } from "./product-form";

/**
 * The edit screen's pictures: the gallery in the order shoppers see it (cover first), each
 * with its alt text and a Remove button that asks first, and a form to upload one more.
 * Each change is saved by the API at once; the screen holds the gallery as last answered.
 */
export function ProductPictures({
  productId,
  productName,
  images,
  onChange,
}: {
  productId: string;
  productName: string;
  images: readonly ProductImage[];
  onChange: (images: ProductImage[]) => void;
}) {
  const router = useRouter();
  const formRef = useRef<HTMLFormElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [alt, setAlt] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [notice, setNotice] = useState<FormNotice | null>(null);
  /** Share of the upload sent (0 to 1) while one is under way. */
  const [sent, setSent] = useState<number | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const full = images.length >= MAX_PICTURES;
  /** One change at a time, each made to the gallery as the API last answered it. */
  const busy = sent !== null || removing !== null;

  function choose(event: ChangeEvent<HTMLInputElement>) {
    const chosen = event.target.files?.[0] ?? null;
    setFile(chosen);
    const problem = chosen ? pictureFileProblem(chosen) : null;
    setErrors(problem ? { file: problem } : {});
  }

  async function upload(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!file) {
      setErrors({ file: "Choose a picture to upload." });
      return;
    }
    const problem = pictureFileProblem(file);
    if (problem) {
      setErrors({ file: problem });
      return;
    }
    setErrors({});
    setNotice(null);
    setSent(0);
    try {
      const image = await uploadProductImage(productId, { file, alt: alt.trim() }, setSent);
      onChange([...images, image]);
      formRef.current?.reset();
      setFile(null);
      setAlt("");
      setNotice({ tone: "success", title: "Picture added", detail: images.length === 0 ? "It is the product's cover." : undefined });
      router.refresh();
    } catch (e) {
      if (e instanceof ApiError && e.status === 422 && e.fieldErrors.length > 0) {
        setErrors(pictureFieldErrors(e.fieldErrors));
        setNotice({ tone: "error", title: "We couldn't add the picture", detail: "Please correct the fields marked below." });
      } else {
        setNotice(refusal(e, "add the picture").notice);
      }
    } finally {
      setSent(null);
    }
  }

  async function remove(image: ProductImage) {
    setRemoving(image.id);
    try {
      await removeProductImage(productId, image.id);
      onChange(images.filter((i) => i.id !== image.id));
      setNotice({ tone: "success", title: "Picture removed" });
      router.refresh();
    } catch (e) {
      setNotice(refusal(e, "remove the picture").notice);
    } finally {
      setRemoving(null);
      setConfirming(null);
    }
  }

  return (
    <section aria-labelledby="pictures-title" className="mt-6 space-y-5 rounded-xl border border-slate-200 bg-white p-5">
      <div>
        <h2 id="pictures-title" className="text-base font-semibold text-slate-900">
          Pictures
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          The first is the cover shown in listings; up to {MAX_PICTURES}. Uploads and removals are saved at once.
        </p>
      </div>
      {notice ? (
        <Alert tone={notice.tone} title={notice.title}>
          {notice.detail}
        </Alert>
      ) : null}
      {images.length === 0 ? (
        <p className="rounded-lg bg-slate-50 p-4 text-sm text-slate-600">
          No pictures yet: shoppers see a tile with the product&apos;s initials.
        </p>
      ) : (
        <ul aria-label="Gallery" className="grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-4">
          {images.map((image, index) => (
            <li key={image.id} data-testid="gallery-item" className="flex flex-col overflow-hidden rounded-lg border border-slate-200">
              <div className="relative aspect-square overflow-hidden bg-slate-100">
                <ProductPicture
                  image={image}
                  size="thumb"
                  alt={image.alt || productName}
                  className="h-full w-full object-cover"
                />
                {index === 0 ? (
                  <span className="absolute left-2 top-2 rounded-full bg-white/90 px-2 py-0.5 text-xs font-semibold text-slate-800 shadow-sm">
                    Cover
                  </span>
                ) : null}
              </div>
              <div className="flex flex-1 flex-col gap-2 p-3">
                <p className="flex-1 text-xs text-slate-700" data-testid="picture-alt">
                  {image.alt ? image.alt : <span className="text-slate-500">No alt text: the product&apos;s name stands in.</span>}
                </p>
                {confirming === image.id ? (
                  <div role="alertdialog" aria-labelledby={`remove-${image.id}-title`} className="rounded-lg border border-red-200 bg-red-50 p-2">
                    <p id={`remove-${image.id}-title`} className="text-xs font-semibold text-red-900">
                      Remove picture {index + 1}?
                    </p>
                    <div className="mt-2 flex flex-wrap gap-1">
                      <button
                        type="button"
                        className={buttonClass("primary", "sm", "bg-red-700 hover:bg-red-800")}
                        disabled={busy}
                        onClick={() => remove(image)}
                      >
                        {removing === image.id ? <Spinner /> : null}
                        Yes, remove it
                      </button>
                      <button type="button" className={buttonClass("secondary", "sm")} onClick={() => setConfirming(null)}>
                        Cancel
                      </button>
                    </div>
                  </div>
                ) : (
                  <button
                    type="button"
                    className={buttonClass("danger", "sm", "self-start")}
                    disabled={busy}
                    onClick={() => setConfirming(image.id)}
                  >
                    Remove…<span className="sr-only"> picture {index + 1}</span>
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      <form ref={formRef} onSubmit={upload} noValidate aria-label="Add a picture" className="grid gap-4 border-t border-slate-100 pt-5 sm:grid-cols-2">
        {errors[FORM_LEVEL] ? <Alert tone="error" className="sm:col-span-2">{errors[FORM_LEVEL]}</Alert> : null}
        <TextField
          id="picture-file"
          name="file"
          label="Picture"
          type="file"
          required
          accept={PICTURE_TYPES.join(",")}
          onChange={choose}
          disabled={full || busy}
          hint={
            full
              ? `The gallery holds ${MAX_PICTURES} pictures; remove one to add another.`
              : "JPEG, PNG, WebP or GIF; at most 10 MB, at least 64 pixels on each side."
          }
          error={errors.file}
        />
        <TextField
          id="picture-alt"
          name="alt"
          label="Alt text"
          value={alt}
          maxLength={MAX_ALT_CHARS}
          onChange={(e) => setAlt(e.target.value)}
          disabled={full || busy}
          hint="What the picture shows, for shoppers who cannot see it. Leave it empty when the name says it."
          error={errors.alt}
          autoComplete="off"
        />
        <div className="flex flex-wrap items-center gap-4 sm:col-span-2">
          <button type="submit" className={buttonClass("primary")} disabled={full || busy}>
            {sent !== null ? <Spinner /> : null}
            Upload picture
          </button>
          {sent !== null ? <UploadProgress sent={sent} /> : null}
        </div>
      </form>
    </section>
  );
}

/** How far an upload has come; once every byte is sent, the API is still making the sizes. */
function UploadProgress({ sent }: { sent: number }) {
  const percent = Math.round(sent * 100);
  return (
    <div className="flex min-w-48 flex-1 items-center gap-3 text-sm text-slate-600">
      <progress value={sent} max={1} aria-label="Upload" className="h-2 w-40 accent-brand-600" />
      <span>{percent < 100 ? `Sending… ${percent}%` : "Preparing the picture…"}</span>
    </div>
  );
}
