import { describe, expect, it } from "vitest";
import type { CategoryCount } from "../api/types";
import { categoryTrail, visibleCategories } from "./categories";

const tree: CategoryCount[] = [
  { id: "kitchen", name: "Kitchen", parentId: null, depth: 0, count: 3 },
  { id: "knives", name: "Knives & Boards", parentId: "kitchen", depth: 1, count: 0 },
  { id: "cookware", name: "Cookware", parentId: "kitchen", depth: 1, count: 3 },
  { id: "bath", name: "Bath", parentId: null, depth: 0, count: 0 },
];

describe("category navigation", () => {
  it("lists the categories holding matches, in tree order", () => {
    expect(visibleCategories(tree, null).map((c) => c.id)).toEqual(["kitchen", "cookware"]);
  });

  it("keeps the chosen category and those above it even when nothing matches there", () => {
    const empty = tree.map((c) => ({ ...c, count: 0 }));
    expect(visibleCategories(empty, "knives").map((c) => c.id)).toEqual(["kitchen", "knives"]);
    expect(visibleCategories(tree, "bath").map((c) => c.id)).toEqual(["kitchen", "cookware", "bath"]);
  });

  it("finds a category's trail from the top", () => {
    expect(categoryTrail(tree, "knives").map((c) => c.name)).toEqual(["Kitchen", "Knives & Boards"]);
    expect(categoryTrail(tree, "bath").map((c) => c.name)).toEqual(["Bath"]);
    expect(categoryTrail(tree, "gone")).toEqual([]);
    expect(categoryTrail(tree, null)).toEqual([]);
  });

  it("stops on a malformed tree that loops", () => {
    const looped: CategoryCount[] = [
      { id: "a", name: "A", parentId: "b", depth: 0, count: 1 },
      { id: "b", name: "B", parentId: "a", depth: 0, count: 1 },
    ];
    expect(categoryTrail(looped, "a").length).toBeLessThanOrEqual(3);
  });
});
