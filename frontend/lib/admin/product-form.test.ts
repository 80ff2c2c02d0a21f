import { describe, expect, it } from "vitest";
import type { AdminProduct } from "../api/types";
import {
  centsToDollars,
  dollarsToCents,
  emptyProductForm,
  fieldErrorsByInput,
  formValuesOf,
  inputForField,
  toNewProduct,
  toProductChanges,
} from "./product-form";

const product: AdminProduct = {
  id: "0190b5d2-0000-7000-8000-000000000001",
  sku: "KIT-TONGS",
  name: "Locking Tongs",
  slug: "locking-tongs",
  status: "active",
  description: "Twelve inches.",
  categoryId: "0190b5d2-0000-7000-8000-0000000000c1",
  attributes: [{ name: "material", value: "steel" }],
  price: { amount_minor: 1200, currency: "USD" },
  weightGrams: 160,
  available: 75,
  images: [],
  createdAt: "2026-12-01T10:00:00Z",
};

describe("dollars and cents", () => {
  it("reads whole dollars, one or two decimals, a dollar sign and thousands commas", () => {
    expect(dollarsToCents("12")).toBe(1200);
    expect(dollarsToCents("12.5")).toBe(1250);
    expect(dollarsToCents("12.05")).toBe(1205);
    expect(dollarsToCents(" $1,299.99 ")).toBe(129999);
    expect(dollarsToCents("0.1")).toBe(10);
    expect(dollarsToCents("12.")).toBe(1200);
  });

  it("never goes through a float: 0.29 and 19.99 stay exact", () => {
    // 0.29 * 100 is 28.999999999999996 in binary floating point.
    expect(dollarsToCents("0.29")).toBe(29);
    expect(dollarsToCents("19.99")).toBe(1999);
    expect(dollarsToCents("1000000.00")).toBe(100000000);
  });

  it("refuses what is not an amount with at most two decimals", () => {
    for (const text of ["", "abc", "12.345", "-5", "1e3", "12,34", ".5", "1.2.3"]) {
      expect(dollarsToCents(text), text).toBeNull();
    }
  });

  it("shows cents as dollars with two decimals, and back unchanged", () => {
    expect(centsToDollars(1250)).toBe("12.50");
    expect(centsToDollars(5)).toBe("0.05");
    for (const cents of [1, 99, 100, 1999, 123456789]) expect(dollarsToCents(centsToDollars(cents))).toBe(cents);
  });
});

describe("a new product", () => {
  it("becomes the API's body: cents in USD, no slug when left empty, no category as null", () => {
    const parsed = toNewProduct({
      ...emptyProductForm(),
      sku: " mug-01 ",
      name: " Mug ",
      price: "9.90",
      weightGrams: "350",
      initialStock: "12",
      status: "draft",
      attributes: [{ name: " colour ", value: " blue " }],
    });
    expect(parsed).toEqual({
      ok: true,
      value: {
        sku: "mug-01",
        name: "Mug",
        description: "",
        category_id: null,
        price: { amount_minor: 990, currency: "USD" },
        weight_grams: 350,
        initial_stock: 12,
        status: "draft",
        attributes: [{ name: "colour", value: "blue" }],
      },
    });
  });

  it("keeps a slug and a category that were given", () => {
    const parsed = toNewProduct({ ...emptyProductForm(), price: "1", weightGrams: "1", slug: "mug", categoryId: "c1" });
    expect(parsed.ok && parsed.value.slug).toBe("mug");
    expect(parsed.ok && parsed.value.category_id).toBe("c1");
  });

  it("names every number it cannot read, beside its input", () => {
    const parsed = toNewProduct({ ...emptyProductForm(), price: "ten", weightGrams: "1.5", initialStock: "-1" });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(Object.keys(parsed.errors).sort()).toEqual(["initialStock", "price", "weightGrams"]);
  });
});

describe("the PATCH body", () => {
  it("is empty when nothing changed", () => {
    expect(toProductChanges(product, formValuesOf(product))).toEqual({ ok: true, value: {} });
  });

  it("holds only the changed fields", () => {
    const values = { ...formValuesOf(product), name: "Locking Tongs XL", price: "13.50" };
    expect(toProductChanges(product, values)).toEqual({
      ok: true,
      value: { name: "Locking Tongs XL", price: { amount_minor: 1350, currency: "USD" } },
    });
  });

  it("sends a price typed differently but meaning the same amount as no change", () => {
    expect(toProductChanges(product, { ...formValuesOf(product), price: "12" })).toEqual({ ok: true, value: {} });
  });

  it("takes the product out of its category with null", () => {
    const values = { ...formValuesOf(product), categoryId: "" };
    expect(toProductChanges(product, values)).toEqual({ ok: true, value: { category_id: null } });
  });

  it("sends the whole attribute list when any row changed, was added or removed", () => {
    const added = { ...formValuesOf(product), attributes: [...product.attributes, { name: "length", value: "30 cm" }] };
    expect(toProductChanges(product, added)).toEqual({
      ok: true,
      value: { attributes: [{ name: "material", value: "steel" }, { name: "length", value: "30 cm" }] },
    });
    expect(toProductChanges(product, { ...formValuesOf(product), attributes: [] })).toEqual({
      ok: true,
      value: { attributes: [] },
    });
    const padded = { ...formValuesOf(product), attributes: [{ name: "material ", value: " steel" }] };
    expect(toProductChanges(product, padded)).toEqual({ ok: true, value: {} });
  });

  it("carries status, weight, slug and description changes", () => {
    const values = { ...formValuesOf(product), status: "archived" as const, weightGrams: "170", slug: "tongs", description: "" };
    expect(toProductChanges(product, values)).toEqual({
      ok: true,
      value: { status: "archived", weight_grams: 170, slug: "tongs", description: "" },
    });
  });

  it("refuses an unreadable price instead of sending it", () => {
    const parsed = toProductChanges(product, { ...formValuesOf(product), price: "12.345" });
    expect(parsed.ok).toBe(false);
  });
});

describe("the API's field errors", () => {
  it("map to the inputs they name", () => {
    expect(inputForField("price.amount_minor")).toBe("price");
    expect(inputForField("price.currency")).toBe("price");
    expect(inputForField("category_id")).toBe("categoryId");
    expect(inputForField("weight_grams")).toBe("weightGrams");
    expect(inputForField("initial_stock")).toBe("initialStock");
    expect(inputForField("attributes[2].value")).toBe("attributes.2.value");
    expect(inputForField("sku")).toBe("sku");
  });

  it("read as sentences, join when two name one input, and fall back to the form", () => {
    expect(
      fieldErrorsByInput([
        { field: "name", message: "must be 1 to 200 characters" },
        { field: "price.amount_minor", message: "must be between 1 and 100000000" },
        { field: "price.currency", message: "must be a three-letter ISO 4217 code such as USD" },
        { field: "attributes[0].name", message: "is given twice" },
        { field: "shelf", message: "is unknown" },
      ]),
    ).toEqual({
      name: "Must be 1 to 200 characters.",
      price: "Must be between 1 and 100000000. Must be a three-letter ISO 4217 code such as USD.",
      "attributes.0.name": "Is given twice.",
      form: "shelf: is unknown",
    });
  });
});
