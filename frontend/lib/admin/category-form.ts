/**
 * The admin's category forms as plain data: a slug suggested from the name, the PATCH body
 * holding only what changed (`parent_id: null` moves a category to the top), and the API's
 * field errors by input.
 */
import type { FieldError } from "../api/problem";
import type { AdminCategory, CategoryChanges, NewCategory } from "../api/types";
import type { FieldErrors, Parsed } from "./product-form";

/** Where a message with no input of its own is shown. */
const FORM_LEVEL = "form";

export interface CategoryFormValues {
  name: string;
  /** Empty on a new category: made from the name. */
  slug: string;
  /** A category id, or "" for the top level. */
  parentId: string;
  position: string;
}

export function categoryFormValues(category: AdminCategory): CategoryFormValues {
  return {
    name: category.name,
    slug: category.slug,
    parentId: category.parentId ?? "",
    position: String(category.position),
  };
}

/** "Pots & Pans!" → "pots-pans": lower-case letters and digits joined by single dashes, at most 60. */
export function slugify(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
}

function position(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === "") return 0;
  return /^\d+$/.test(trimmed) ? Number(trimmed) : null;
}

const POSITION_ERROR = "Enter a whole number (0 or more); lower comes first.";

export function toNewCategory(values: CategoryFormValues): Parsed<NewCategory> {
  const place = position(values.position);
  if (place === null) return { ok: false, errors: { position: POSITION_ERROR } };
  const name = values.name.trim();
  return {
    ok: true,
    value: {
      name,
      slug: values.slug.trim() || slugify(name),
      ...(values.parentId ? { parent_id: values.parentId } : {}),
      position: place,
    },
  };
}

/** Only the fields that differ from the category as loaded; an empty object when none does. */
export function toCategoryChanges(category: AdminCategory, values: CategoryFormValues): Parsed<CategoryChanges> {
  const place = position(values.position);
  if (place === null) return { ok: false, errors: { position: POSITION_ERROR } };
  const changes: CategoryChanges = {};
  const name = values.name.trim();
  if (name !== category.name) changes.name = name;
  const slug = values.slug.trim();
  if (slug !== category.slug) changes.slug = slug;
  const parentId = values.parentId || null;
  if (parentId !== category.parentId) changes.parent_id = parentId;
  if (place !== category.position) changes.position = place;
  return { ok: true, value: changes };
}

const INPUTS: Record<string, string> = { name: "name", slug: "slug", parent_id: "parentId", position: "position" };

/** The API's field errors by input (`parent_id` → the parent select). */
export function categoryErrorsByInput(errors: readonly FieldError[]): FieldErrors {
  const byInput: FieldErrors = {};
  for (const { field, message } of errors) {
    const input = INPUTS[field] ?? FORM_LEVEL;
    const text = input === FORM_LEVEL ? `${field}: ${message}` : message.charAt(0).toUpperCase() + message.slice(1);
    byInput[input] = byInput[input] ? `${byInput[input]} ${text}` : text;
  }
  return byInput;
}

/** The label of a category in a parent select: indented by its depth. */
export function indentedName(category: { name: string; depth: number }): string {
  return `${"\u00a0\u00a0\u00a0".repeat(category.depth)}${category.name}`;
}
