/** Which categories the catalog's navigation lists, read from the tree and its facet counts. */
import type { Category, CategoryCount } from "../api/types";

/** The category and those above it, top first; empty when the id is not in the tree. */
export function categoryTrail<C extends Category>(categories: readonly C[], id: string | null): C[] {
  const byId = new Map(categories.map((c) => [c.id, c]));
  const trail: C[] = [];
  let current = id ? byId.get(id) : undefined;
  // The API keeps the tree free of loops; the bound guards against a malformed answer anyway.
  while (current && trail.length <= categories.length) {
    trail.unshift(current);
    current = current.parentId ? byId.get(current.parentId) : undefined;
  }
  return trail;
}

/**
 * The categories worth offering, in tree order: those holding matches, plus the chosen one
 * and those above it even when the other filters leave them empty (so the shopper still
 * sees where they are).
 */
export function visibleCategories(categories: readonly CategoryCount[], activeId: string | null): CategoryCount[] {
  const keep = new Set(categoryTrail(categories, activeId).map((c) => c.id));
  return categories.filter((c) => c.count > 0 || keep.has(c.id));
}
