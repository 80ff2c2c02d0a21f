import { describe, expect, it } from "vitest";
import type { AdminCategory } from "../api/types";
import { categoryErrorsByInput, categoryFormValues, slugify, toCategoryChanges, toNewCategory } from "./category-form";

const cookware: AdminCategory = {
  id: "c-cookware",
  name: "Cookware",
  slug: "cookware",
  parentId: "c-kitchen",
  depth: 1,
  position: 1,
  path: "kitchen/cookware",
};

describe("category forms", () => {
  it("suggest a slug the API accepts", () => {
    expect(slugify("Pots & Pans!")).toBe("pots-pans");
    expect(slugify("  Crème Brûlée Tools ")).toBe("creme-brulee-tools");
    expect(slugify("x".repeat(70))).toHaveLength(60);
    expect(slugify(`${"a".repeat(59)} b`)).toBe("a".repeat(59));
  });

  it("make a new top-level category without a parent_id, the slug from the name when empty", () => {
    expect(toNewCategory({ name: " Garden Tools ", slug: "", parentId: "", position: "" })).toEqual({
      ok: true,
      value: { name: "Garden Tools", slug: "garden-tools", position: 0 },
    });
    expect(toNewCategory({ name: "Pans", slug: "pans", parentId: "c-kitchen", position: "2" })).toEqual({
      ok: true,
      value: { name: "Pans", slug: "pans", parent_id: "c-kitchen", position: 2 },
    });
    expect(toNewCategory({ name: "Pans", slug: "", parentId: "", position: "first" }).ok).toBe(false);
  });

  it("send only what changed, and null to move to the top", () => {
    expect(toCategoryChanges(cookware, categoryFormValues(cookware))).toEqual({ ok: true, value: {} });
    expect(toCategoryChanges(cookware, { ...categoryFormValues(cookware), parentId: "" })).toEqual({
      ok: true,
      value: { parent_id: null },
    });
    expect(
      toCategoryChanges(cookware, { name: "Pots", slug: "pots", parentId: "c-home", position: "0" }),
    ).toEqual({ ok: true, value: { name: "Pots", slug: "pots", parent_id: "c-home", position: 0 } });
  });

  it("show the API's refusal of a move beside the parent select", () => {
    expect(categoryErrorsByInput([{ field: "parent_id", message: "a category cannot be moved inside itself" }])).toEqual({
      parentId: "A category cannot be moved inside itself",
    });
    expect(categoryErrorsByInput([{ field: "depth", message: "too deep" }])).toEqual({ form: "depth: too deep" });
  });
});
