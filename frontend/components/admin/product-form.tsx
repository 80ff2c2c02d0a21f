"use client";

import { type FormEvent, useEffect, useRef } from "react";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { SelectField, TextField } from "@/components/ui/field";
import { Spinner } from "@/components/ui/spinner";
import { indentedName } from "@/lib/admin/category-form";
import { FORM_LEVEL, type FieldErrors, type ProductFormValues } from "@/lib/admin/product-form";
import type { AdminCategory, ProductAttribute } from "@/lib/api/types";

export interface FormNotice {
  tone: "error" | "success" | "info";
  title: string;
  detail?: string;
}

/**
 * The product's fields, shared by the create and edit screens. The screen owns the values
 * and decides what submitting means; this form shows them, each field's error beside it,
 * and one notice above.
 */
export function ProductForm({
  mode,
  values,
  onChange,
  onSubmit,
  categories,
  errors,
  notice,
  pending,
  currency,
}: {
  mode: "create" | "edit";
  values: ProductFormValues;
  onChange: (values: ProductFormValues) => void;
  onSubmit: () => void;
  categories: readonly AdminCategory[];
  errors: FieldErrors;
  notice: FormNotice | null;
  pending: boolean;
  currency: string;
}) {
  const noticeRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (notice) noticeRef.current?.focus();
  }, [notice]);

  const set = <K extends keyof ProductFormValues>(key: K, value: ProductFormValues[K]) =>
    onChange({ ...values, [key]: value });
  const setAttribute = (index: number, patch: Partial<ProductAttribute>) =>
    set(
      "attributes",
      values.attributes.map((a, i) => (i === index ? { ...a, ...patch } : a)),
    );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onSubmit();
  }

  const formError = errors[FORM_LEVEL];
  return (
    <form onSubmit={submit} noValidate className="space-y-6" aria-label={mode === "create" ? "New product" : "Product details"}>
      {notice ? (
        <div ref={noticeRef} tabIndex={-1} className="focus:outline-none" data-testid="form-notice">
          <Alert tone={notice.tone} title={notice.title}>
            {notice.detail}
          </Alert>
        </div>
      ) : null}
      {formError ? <Alert tone="error">{formError}</Alert> : null}
      <section className="grid gap-4 rounded-xl border border-slate-200 bg-white p-5 sm:grid-cols-2">
        <h2 className="text-base font-semibold text-slate-900 sm:col-span-2">Basics</h2>
        <TextField
          id="sku"
          label="SKU"
          required
          value={values.sku}
          readOnly={mode === "edit"}
          onChange={(e) => set("sku", e.target.value)}
          hint={mode === "edit" ? "A product keeps its SKU." : "Letters, digits, '-' or '_'."}
          error={errors.sku}
          autoComplete="off"
        />
        <TextField
          id="name"
          label="Name"
          required
          value={values.name}
          onChange={(e) => set("name", e.target.value)}
          error={errors.name}
          autoComplete="off"
        />
        <TextField
          id="slug"
          label="Slug"
          required={mode === "edit"}
          value={values.slug}
          onChange={(e) => set("slug", e.target.value)}
          hint={mode === "create" ? "The product's URL name; made from the name when left empty." : "The product's URL name."}
          error={errors.slug}
          autoComplete="off"
        />
        <SelectField
          id="categoryId"
          label="Category"
          value={values.categoryId}
          onChange={(e) => set("categoryId", e.target.value)}
          error={errors.categoryId}
        >
          <option value="">No category</option>
          {categories.map((c) => (
            <option key={c.id} value={c.id}>
              {indentedName(c)}
            </option>
          ))}
        </SelectField>
        <div className="sm:col-span-2">
          <label htmlFor="description" className="mb-1.5 block text-sm font-medium text-slate-700">
            Description <span className="font-normal text-slate-500">(optional)</span>
          </label>
          <textarea
            id="description"
            name="description"
            rows={4}
            value={values.description}
            onChange={(e) => set("description", e.target.value)}
            aria-invalid={errors.description ? true : undefined}
            aria-describedby={errors.description ? "description-error" : undefined}
            className={`block w-full rounded-lg border bg-white px-3 py-2.5 text-sm text-slate-900 shadow-sm focus:border-brand-500 focus:outline-2 focus:outline-brand-200 ${
              errors.description ? "border-red-400" : "border-slate-300"
            }`}
          />
          {errors.description ? (
            <p id="description-error" className="mt-1.5 text-xs font-medium text-red-700">
              {errors.description}
            </p>
          ) : null}
        </div>
      </section>

      <section className="grid gap-4 rounded-xl border border-slate-200 bg-white p-5 sm:grid-cols-3">
        <h2 className="text-base font-semibold text-slate-900 sm:col-span-3">Price, weight and stock</h2>
        <TextField
          id="price"
          label={`Price (${currency})`}
          required
          inputMode="decimal"
          value={values.price}
          onChange={(e) => set("price", e.target.value)}
          hint="In dollars, e.g. 12.50."
          error={errors.price}
          autoComplete="off"
        />
        <TextField
          id="weightGrams"
          label="Weight (grams)"
          required
          inputMode="numeric"
          value={values.weightGrams}
          onChange={(e) => set("weightGrams", e.target.value)}
          error={errors.weightGrams}
          autoComplete="off"
        />
        {mode === "create" ? (
          <TextField
            id="initialStock"
            label="Initial stock"
            required
            inputMode="numeric"
            value={values.initialStock}
            onChange={(e) => set("initialStock", e.target.value)}
            hint="Units on hand to start with."
            error={errors.initialStock}
            autoComplete="off"
          />
        ) : null}
        <SelectField
          id="status"
          label="Status"
          value={values.status}
          onChange={(e) => set("status", e.target.value as ProductFormValues["status"])}
          hint="Only active products are shown and sold."
          error={errors.status}
        >
          <option value="draft">Draft</option>
          <option value="active">Active</option>
          <option value="archived">Archived</option>
        </SelectField>
      </section>

      <fieldset className="rounded-xl border border-slate-200 bg-white p-5">
        <legend className="px-1 text-base font-semibold text-slate-900">Attributes</legend>
        <p className="mb-4 text-sm text-slate-600">Colour, material and the like, in the order shoppers read them.</p>
        {errors.attributes ? (
          <p className="mb-3 text-xs font-medium text-red-700">{errors.attributes}</p>
        ) : null}
        {/* Rows are keyed by place: their inputs are controlled and hold no state of their own. */}
        <ul className="space-y-3">
          {values.attributes.map((attribute, index) => (
            <li
              key={index}
              className="grid gap-3 sm:grid-cols-[minmax(0,1fr)_minmax(0,2fr)_auto] sm:items-start"
              data-testid="attribute-row"
            >
              <TextField
                id={`attribute-name-${index}`}
                label={`Attribute ${index + 1} name`}
                required
                value={attribute.name}
                onChange={(e) => setAttribute(index, { name: e.target.value })}
                error={errors[`attributes.${index}.name`]}
                autoComplete="off"
              />
              <TextField
                id={`attribute-value-${index}`}
                label={`Attribute ${index + 1} value`}
                required
                value={attribute.value}
                onChange={(e) => setAttribute(index, { value: e.target.value })}
                error={errors[`attributes.${index}.value`]}
                autoComplete="off"
              />
              <button
                type="button"
                className={buttonClass("danger", "sm", "sm:mt-7")}
                onClick={() => set("attributes", values.attributes.filter((_, i) => i !== index))}
              >
                Remove<span className="sr-only"> attribute {index + 1}</span>
              </button>
            </li>
          ))}
        </ul>
        <button
          type="button"
          className={buttonClass("secondary", "sm", "mt-4")}
          onClick={() => set("attributes", [...values.attributes, { name: "", value: "" }])}
        >
          Add attribute
        </button>
      </fieldset>

      <div className="flex justify-end">
        <button type="submit" className={buttonClass("primary", "lg")} disabled={pending}>
          {pending ? <Spinner /> : null}
          {mode === "create" ? "Create product" : "Save changes"}
        </button>
      </div>
    </form>
  );
}
