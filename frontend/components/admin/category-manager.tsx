"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { SelectField, TextField } from "@/components/ui/field";
import { Spinner } from "@/components/ui/spinner";
import {
  type CategoryFormValues,
  categoryErrorsByInput,
  categoryFormValues,
  indentedName,
  slugify,
  toCategoryChanges,
  toNewCategory,
} from "@/lib/admin/category-form";
import type { FieldErrors } from "@/lib/admin/product-form";
import { createCategory, updateCategory } from "@/lib/api/browser";
import { ApiError, errorMessage } from "@/lib/api/problem";
import type { AdminCategory } from "@/lib/api/types";

/** Indentation per depth (the API nests at most 8 deep), as whole classes for Tailwind to find. */
const INDENT = ["pl-0", "pl-6", "pl-12", "pl-18", "pl-24", "pl-30", "pl-36", "pl-42", "pl-48"];

type Outcome = { tone: "success" | "error" | "info"; text: string } | null;

function refusal(e: unknown): { errors: FieldErrors; message: string } {
  if (e instanceof ApiError && e.status === 422 && e.fieldErrors.length > 0) {
    return { errors: categoryErrorsByInput(e.fieldErrors), message: "Please correct the fields marked below." };
  }
  return { errors: {}, message: errorMessage(e) };
}

/** The fields of a category, shared by the add form and each category's edit form. */
function CategoryFields({
  prefix,
  values,
  onChange,
  errors,
  parents,
  slugHint,
}: {
  prefix: string;
  values: CategoryFormValues;
  onChange: (values: CategoryFormValues) => void;
  errors: FieldErrors;
  parents: readonly AdminCategory[];
  slugHint?: string;
}) {
  const set = (key: keyof CategoryFormValues, value: string) => onChange({ ...values, [key]: value });
  return (
    <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
      <TextField id={`${prefix}-name`} label="Name" required value={values.name} onChange={(e) => set("name", e.target.value)} error={errors.name} autoComplete="off" />
      <TextField
        id={`${prefix}-slug`}
        label="Slug"
        required={!slugHint}
        value={values.slug}
        onChange={(e) => set("slug", e.target.value)}
        hint={slugHint}
        error={errors.slug}
        autoComplete="off"
      />
      <SelectField id={`${prefix}-parent`} label="Parent" value={values.parentId} onChange={(e) => set("parentId", e.target.value)} error={errors.parentId}>
        <option value="">None (top level)</option>
        {parents.map((c) => (
          <option key={c.id} value={c.id}>
            {indentedName(c)}
          </option>
        ))}
      </SelectField>
      <TextField
        id={`${prefix}-position`}
        label="Position"
        required
        inputMode="numeric"
        value={values.position}
        onChange={(e) => set("position", e.target.value)}
        hint="Lower comes first among siblings."
        error={errors.position}
        autoComplete="off"
      />
    </div>
  );
}

function AddCategory({ categories, onDone }: { categories: readonly AdminCategory[]; onDone: (text: string) => void }) {
  const blank: CategoryFormValues = { name: "", slug: "", parentId: "", position: "0" };
  const [values, setValues] = useState(blank);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = toNewCategory(values);
    if (!parsed.ok) {
      setErrors(parsed.errors);
      return;
    }
    setPending(true);
    setMessage(null);
    setErrors({});
    try {
      const category = await createCategory(parsed.value);
      setValues(blank);
      onDone(`Added “${category.name}”.`);
    } catch (e) {
      const r = refusal(e);
      setErrors(r.errors);
      setMessage(r.message);
    } finally {
      setPending(false);
    }
  }

  const suggested = values.name.trim() ? slugify(values.name) : "";
  return (
    <form onSubmit={submit} noValidate aria-label="Add a category" className="mb-8 rounded-xl border border-slate-200 bg-white p-5">
      <h2 className="mb-4 text-base font-semibold text-slate-900">Add a category</h2>
      {message ? <Alert tone="error" title="We couldn't add the category" className="mb-4">{message}</Alert> : null}
      {errors.form ? <Alert tone="error" className="mb-4">{errors.form}</Alert> : null}
      <CategoryFields
        prefix="new"
        values={values}
        onChange={setValues}
        errors={errors}
        parents={categories}
        slugHint={suggested ? `Leave empty for “${suggested}”.` : "Made from the name when left empty."}
      />
      <div className="mt-4 flex justify-end">
        <button type="submit" className={buttonClass("primary")} disabled={pending}>
          {pending ? <Spinner /> : null}
          Add category
        </button>
      </div>
    </form>
  );
}

function EditCategory({
  category,
  categories,
  onDone,
  onCancel,
}: {
  category: AdminCategory;
  categories: readonly AdminCategory[];
  onDone: (text: string) => void;
  onCancel: () => void;
}) {
  const [values, setValues] = useState(() => categoryFormValues(category));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<Outcome>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = toCategoryChanges(category, values);
    if (!parsed.ok) {
      setErrors(parsed.errors);
      return;
    }
    if (Object.keys(parsed.value).length === 0) {
      setMessage({ tone: "info", text: "Nothing to save: no field differs." });
      return;
    }
    setPending(true);
    setMessage(null);
    setErrors({});
    try {
      const saved = await updateCategory(category.id, parsed.value);
      onDone(`Saved “${saved.name}”.`);
    } catch (e) {
      const r = refusal(e);
      setErrors(r.errors);
      setMessage({ tone: "error", text: r.message });
      setPending(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate aria-label={`Edit ${category.name}`} className="mt-3 rounded-lg border border-slate-200 bg-slate-50 p-4">
      {message ? (
        <Alert tone={message.tone} title={message.tone === "error" ? "We couldn't save the category" : undefined} className="mb-3">
          {message.text}
        </Alert>
      ) : null}
      {errors.form ? <Alert tone="error" className="mb-3">{errors.form}</Alert> : null}
      {/* Its own descendants stay listed: the API decides, and explains, what cannot move where. */}
      <CategoryFields
        prefix={`edit-${category.id}`}
        values={values}
        onChange={setValues}
        errors={errors}
        parents={categories.filter((c) => c.id !== category.id)}
      />
      <div className="mt-3 flex justify-end gap-2">
        <button type="button" className={buttonClass("secondary", "sm")} onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className={buttonClass("primary", "sm")} disabled={pending}>
          {pending ? <Spinner /> : null}
          Save
        </button>
      </div>
    </form>
  );
}

/** The tree, indented, with an add form above and an edit form under any category. */
export function CategoryManager({ categories }: { categories: readonly AdminCategory[] }) {
  const router = useRouter();
  const [editing, setEditing] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);

  function done(text: string) {
    setEditing(null);
    setOutcome({ tone: "success", text });
    router.refresh();
  }

  return (
    <div>
      {outcome ? (
        <Alert tone={outcome.tone} className="mb-4">
          {outcome.text}
        </Alert>
      ) : null}
      <AddCategory categories={categories} onDone={done} />
      <h2 className="mb-3 text-base font-semibold text-slate-900">The tree</h2>
      {categories.length === 0 ? (
        <p className="rounded-xl border border-dashed border-slate-300 bg-white p-8 text-center text-slate-700">No categories yet.</p>
      ) : (
        <ul aria-label="Categories" className="divide-y divide-slate-100 rounded-xl border border-slate-200 bg-white">
          {categories.map((category) => (
            <li key={category.id} className="px-4 py-3" data-testid="category-row" data-depth={category.depth}>
              <div className={`flex flex-wrap items-center justify-between gap-2 ${INDENT[Math.min(category.depth, INDENT.length - 1)]}`}>
                <div className="min-w-0">
                  <span className="font-medium text-slate-900">
                    {category.depth > 0 ? <span aria-hidden="true" className="mr-1 text-slate-400">└</span> : null}
                    {category.name}
                  </span>
                  <span className="ml-2 font-mono text-xs text-slate-500">{category.path}</span>
                  <span className="ml-2 text-xs text-slate-500">position {category.position}</span>
                </div>
                {editing !== category.id ? (
                  <button
                    type="button"
                    className={buttonClass("ghost", "sm")}
                    onClick={() => {
                      setOutcome(null);
                      setEditing(category.id);
                    }}
                  >
                    Edit<span className="sr-only"> {category.name}</span>
                  </button>
                ) : null}
              </div>
              {editing === category.id ? (
                <EditCategory category={category} categories={categories} onDone={done} onCancel={() => setEditing(null)} />
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
