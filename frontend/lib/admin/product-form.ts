/**
 * The admin's product form as plain data: what the inputs hold (strings, prices typed in
 * dollars), turned into the API's `NewProduct` or into a `ProductChanges` holding only what
 * changed, and the API's field errors placed next to the inputs they name. Pure, so the
 * rules are unit-tested apart from the page.
 */
import type { FieldError } from "../api/problem";
import type { AdminProduct, NewProduct, ProductAttribute, ProductChanges, ProductStatus } from "../api/types";
import { toDecimalString, toMinorUnits } from "../money";

/** The only currency the admin form prices in. */
export const FORM_CURRENCY = "USD";

/** What the inputs hold, exactly as typed. */
export interface ProductFormValues {
  sku: string;
  name: string;
  slug: string;
  description: string;
  /** A category id, or "" for none. */
  categoryId: string;
  /** Dollars, e.g. "12.50". */
  price: string;
  weightGrams: string;
  initialStock: string;
  status: ProductStatus;
  attributes: ProductAttribute[];
}

/** Form inputs an error can be shown next to; `attributes.{i}.name|value` for attribute rows. */
export type FieldErrors = Record<string, string>;

/** Where a message with no input of its own is shown (above the form). */
export const FORM_LEVEL = "form";

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

export function emptyProductForm(): ProductFormValues {
  return {
    sku: "",
    name: "",
    slug: "",
    description: "",
    categoryId: "",
    price: "",
    weightGrams: "",
    initialStock: "0",
    status: "active",
    attributes: [],
  };
}

export function formValuesOf(product: AdminProduct): ProductFormValues {
  return {
    sku: product.sku,
    name: product.name,
    slug: product.slug,
    description: product.description,
    categoryId: product.categoryId ?? "",
    price: centsToDollars(product.price.amount_minor),
    weightGrams: String(product.weightGrams),
    initialStock: "0",
    status: product.status,
    attributes: product.attributes.map((a) => ({ ...a })),
  };
}

/**
 * Cents for a dollar amount as typed ("12", "12.5", "$1,299.99"), without going through a
 * float; null when it is not an amount with at most two decimals.
 */
export function dollarsToCents(text: string): number | null {
  return toMinorUnits(text, 2);
}

/** "12.50" for 1250: what the price input shows. */
export function centsToDollars(cents: number): string {
  return toDecimalString(cents, 2);
}

/** A whole number as typed, or null. */
function wholeNumber(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const n = Number(trimmed);
  return Number.isSafeInteger(n) ? n : null;
}

function trimmedAttributes(attributes: readonly ProductAttribute[]): ProductAttribute[] {
  return attributes.map((a) => ({ name: a.name.trim(), value: a.value.trim() }));
}

/** The numbers the API needs; the rest (lengths, formats, uniqueness) the API checks itself. */
function numbers(values: ProductFormValues, withStock: boolean) {
  const errors: FieldErrors = {};
  const cents = dollarsToCents(values.price);
  if (cents === null) errors.price = "Enter a price in dollars, such as 12.50.";
  const weight = wholeNumber(values.weightGrams);
  if (weight === null) errors.weightGrams = "Enter the weight in whole grams.";
  const stock = withStock ? wholeNumber(values.initialStock) : 0;
  if (stock === null) errors.initialStock = "Enter a whole number of units (0 or more).";
  return { errors, cents, weight, stock };
}

export function toNewProduct(values: ProductFormValues): Parsed<NewProduct> {
  const { errors, cents, weight, stock } = numbers(values, true);
  if (cents === null || weight === null || stock === null) return { ok: false, errors };
  const slug = values.slug.trim();
  return {
    ok: true,
    value: {
      sku: values.sku.trim(),
      name: values.name.trim(),
      ...(slug ? { slug } : {}),
      description: values.description.trim(),
      category_id: values.categoryId || null,
      price: { amount_minor: cents, currency: FORM_CURRENCY },
      weight_grams: weight,
      initial_stock: stock,
      status: values.status,
      attributes: trimmedAttributes(values.attributes),
    },
  };
}

function sameAttributes(a: readonly ProductAttribute[], b: readonly ProductAttribute[]): boolean {
  return a.length === b.length && a.every((x, i) => x.name === b[i]?.name && x.value === b[i]?.value);
}

/**
 * The PATCH body for what the form changed from the product as loaded: each field only
 * when it differs, the attributes as a whole list, `category_id: null` to take the product
 * out of its category. An empty object means nothing changed.
 */
export function toProductChanges(product: AdminProduct, values: ProductFormValues): Parsed<ProductChanges> {
  const { errors, cents, weight } = numbers(values, false);
  if (cents === null || weight === null) return { ok: false, errors };
  const changes: ProductChanges = {};
  const name = values.name.trim();
  if (name !== product.name) changes.name = name;
  const slug = values.slug.trim();
  if (slug !== product.slug) changes.slug = slug;
  const description = values.description.trim();
  if (description !== product.description) changes.description = description;
  const categoryId = values.categoryId || null;
  if (categoryId !== product.categoryId) changes.category_id = categoryId;
  if (cents !== product.price.amount_minor) changes.price = { amount_minor: cents, currency: product.price.currency };
  if (weight !== product.weightGrams) changes.weight_grams = weight;
  const attributes = trimmedAttributes(values.attributes);
  if (!sameAttributes(attributes, product.attributes)) changes.attributes = attributes;
  if (values.status !== product.status) changes.status = values.status;
  return { ok: true, value: changes };
}

/** The form input an API field name belongs to (`price.amount_minor` → `price`). */
export function inputForField(field: string): string {
  const attribute = /^attributes\[(\d+)\]\.(name|value)$/.exec(field);
  if (attribute) return `attributes.${attribute[1]}.${attribute[2]}`;
  switch (field) {
    case "sku":
    case "name":
    case "slug":
    case "description":
    case "status":
    case "attributes":
      return field;
    case "category_id":
      return "categoryId";
    case "price":
    case "price.amount_minor":
    case "price.currency":
      return "price";
    case "weight_grams":
      return "weightGrams";
    case "initial_stock":
      return "initialStock";
    default:
      return FORM_LEVEL;
  }
}

/** "must be 1 to 200 characters" → "Must be 1 to 200 characters." */
function asSentence(message: string): string {
  const text = message.trim();
  const first = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}

/**
 * The API's field errors by form input (`inputFor` names the input of a field; the product
 * form's by default); two messages for one input are shown together, and a field the form
 * has no input for is named in the form-level message.
 */
export function fieldErrorsByInput(
  errors: readonly FieldError[],
  inputFor: (field: string) => string = inputForField,
): FieldErrors {
  const byInput: FieldErrors = {};
  for (const { field, message } of errors) {
    const input = inputFor(field);
    const text = input === FORM_LEVEL ? `${field}: ${message}` : asSentence(message);
    byInput[input] = byInput[input] ? `${byInput[input]} ${text}` : text;
  }
  return byInput;
}
