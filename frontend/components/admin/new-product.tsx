"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { emptyProductForm, FORM_CURRENCY, fieldErrorsByInput, type FieldErrors, toNewProduct } from "@/lib/admin/product-form";
import { createProduct } from "@/lib/api/browser";
import { ApiError, errorMessage } from "@/lib/api/problem";
import type { AdminCategory } from "@/lib/api/types";
import { type FormNotice, ProductForm } from "./product-form";

/** Explains a refused write: field errors go beside their inputs, the rest above the form. */
export function refusal(e: unknown, action: string): { notice: FormNotice; errors: FieldErrors } {
  if (e instanceof ApiError && e.status === 422 && e.fieldErrors.length > 0) {
    return {
      notice: { tone: "error", title: `We couldn't ${action}`, detail: "Please correct the fields marked below." },
      errors: fieldErrorsByInput(e.fieldErrors),
    };
  }
  if (e instanceof ApiError && e.status === 409) {
    return { notice: { tone: "error", title: "Already taken", detail: e.detail }, errors: {} };
  }
  if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
    return {
      notice: { tone: "error", title: `We couldn't ${action}`, detail: "Your admin session has ended. Please sign in again." },
      errors: {},
    };
  }
  return { notice: { tone: "error", title: `We couldn't ${action}`, detail: errorMessage(e) }, errors: {} };
}

/** The create screen: on success the admin goes on to the new product's edit page. */
export function NewProduct({ categories }: { categories: readonly AdminCategory[] }) {
  const router = useRouter();
  const [values, setValues] = useState(emptyProductForm);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [notice, setNotice] = useState<FormNotice | null>(null);
  const [pending, setPending] = useState(false);

  async function submit() {
    const parsed = toNewProduct(values);
    if (!parsed.ok) {
      setErrors(parsed.errors);
      setNotice({ tone: "error", title: "We couldn't create the product", detail: "Please correct the fields marked below." });
      return;
    }
    setPending(true);
    setNotice(null);
    setErrors({});
    try {
      const product = await createProduct(parsed.value);
      router.push(`/admin/products/${product.id}?created=1`);
    } catch (e) {
      const { notice: n, errors: fields } = refusal(e, "create the product");
      setErrors(fields);
      setNotice(n);
      setPending(false);
    }
  }

  return (
    <ProductForm
      mode="create"
      values={values}
      onChange={setValues}
      onSubmit={submit}
      categories={categories}
      errors={errors}
      notice={notice}
      pending={pending}
      currency={FORM_CURRENCY}
    />
  );
}
