"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { type FieldErrors, formValuesOf, toProductChanges } from "@/lib/admin/product-form";
import { deleteProduct, updateProduct } from "@/lib/api/browser";
import type { AdminCategory, AdminProduct, ProductStatus } from "@/lib/api/types";
import { buttonClass } from "@/components/ui/button";
import { Spinner } from "@/components/ui/spinner";
import { formatMoney } from "@/lib/money";
import { refusal } from "./new-product";
import { type FormNotice, ProductForm } from "./product-form";
import { ProductPictures } from "./product-pictures";
import { ProductStatusBadge } from "./product-status-badge";

/**
 * The edit screen: the form pre-filled, saving only what changed, the quick actions
 * (publish, archive, delete after a confirmation) and the pictures. The product shown is
 * the API's latest answer, so each save is compared with what was saved last.
 */
export function ProductEditor({
  initial,
  categories,
  created,
}: {
  initial: AdminProduct;
  categories: readonly AdminCategory[];
  created: boolean;
}) {
  const router = useRouter();
  const [product, setProduct] = useState(initial);
  const [values, setValues] = useState(() => formValuesOf(initial));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [notice, setNotice] = useState<FormNotice | null>(
    created
      ? { tone: "success", title: "Product created", detail: `“${initial.name}” is saved. Add its pictures below the form.` }
      : null,
  );
  const [pending, setPending] = useState<null | "save" | ProductStatus | "delete">(null);
  const [confirmingDelete, setConfirmingDelete] = useState(false);

  function saved(next: AdminProduct, title: string) {
    setProduct(next);
    setValues(formValuesOf(next));
    setErrors({});
    setNotice({ tone: "success", title });
    router.refresh();
  }

  async function save() {
    const parsed = toProductChanges(product, values);
    if (!parsed.ok) {
      setErrors(parsed.errors);
      setNotice({ tone: "error", title: "We couldn't save the changes", detail: "Please correct the fields marked below." });
      return;
    }
    if (Object.keys(parsed.value).length === 0) {
      setErrors({});
      setNotice({ tone: "info", title: "Nothing to save", detail: "No field differs from the saved product." });
      return;
    }
    setPending("save");
    try {
      saved(await updateProduct(product.id, parsed.value), "Changes saved");
    } catch (e) {
      const { notice: n, errors: fields } = refusal(e, "save the changes");
      setErrors(fields);
      setNotice(n);
    } finally {
      setPending(null);
    }
  }

  async function setStatus(status: ProductStatus) {
    setPending(status);
    try {
      const next = await updateProduct(product.id, { status });
      // Keep edits not saved yet; only the status follows the answer.
      setProduct(next);
      setValues((v) => ({ ...v, status: next.status }));
      setNotice({ tone: "success", title: status === "active" ? "Published" : status === "archived" ? "Archived" : "Status changed" });
      router.refresh();
    } catch (e) {
      setNotice(refusal(e, "change the status").notice);
    } finally {
      setPending(null);
    }
  }

  async function remove() {
    setPending("delete");
    try {
      await deleteProduct(product.id);
      router.push("/admin/products?status=deleted");
    } catch (e) {
      setNotice(refusal(e, "delete the product").notice);
      setPending(null);
      setConfirmingDelete(false);
    }
  }

  return (
    <div>
      <div className="mb-6 flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 className="text-2xl font-bold tracking-tight text-slate-900">{product.name}</h1>
          <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-slate-600">
            <ProductStatusBadge status={product.status} />
            <span className="font-mono text-xs">{product.sku}</span>
            <span>{formatMoney(product.price)}</span>
            <span>{product.available} available</span>
          </p>
        </div>
        <div className="flex flex-wrap gap-2" role="group" aria-label="Quick actions">
          {product.status !== "active" ? (
            <button type="button" className={buttonClass("primary", "sm")} disabled={pending !== null} onClick={() => setStatus("active")}>
              {pending === "active" ? <Spinner /> : null}
              Publish
            </button>
          ) : null}
          {product.status !== "archived" ? (
            <button type="button" className={buttonClass("secondary", "sm")} disabled={pending !== null} onClick={() => setStatus("archived")}>
              {pending === "archived" ? <Spinner /> : null}
              Archive
            </button>
          ) : null}
          {!confirmingDelete ? (
            <button type="button" className={buttonClass("danger", "sm")} disabled={pending !== null} onClick={() => setConfirmingDelete(true)}>
              Delete…
            </button>
          ) : null}
        </div>
      </div>
      {confirmingDelete ? (
        <div role="alertdialog" aria-labelledby="delete-title" aria-describedby="delete-detail" className="mb-6 rounded-xl border border-red-200 bg-red-50 p-4">
          <p id="delete-title" className="font-semibold text-red-900">Delete “{product.name}”?</p>
          <p id="delete-detail" className="mt-1 text-sm text-red-900">
            It leaves the shop and can no longer be ordered; past orders keep it.
          </p>
          <div className="mt-3 flex gap-2">
            <button type="button" className={buttonClass("primary", "sm", "bg-red-700 hover:bg-red-800")} disabled={pending !== null} onClick={remove}>
              {pending === "delete" ? <Spinner /> : null}
              Yes, delete it
            </button>
            <button type="button" className={buttonClass("secondary", "sm")} onClick={() => setConfirmingDelete(false)}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      <ProductForm
        mode="edit"
        values={values}
        onChange={setValues}
        onSubmit={save}
        categories={categories}
        errors={errors}
        notice={notice}
        pending={pending === "save"}
        currency={product.price.currency}
      />
      <ProductPictures
        productId={product.id}
        productName={product.name}
        images={product.images}
        onChange={(images) => setProduct((p) => ({ ...p, images }))}
      />
    </div>
  );
}
