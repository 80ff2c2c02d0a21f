import { describe, expect, it } from "vitest";
import { adminListHref, parseAdminListQuery } from "./list-query";

describe("the admin product list's URL", () => {
  it("keeps words, a known status and the cursor", () => {
    const query = parseAdminListQuery({ q: " mug ", status: "archived", cursor: "abc" });
    expect(query).toEqual({ q: "mug", status: "archived", cursor: "abc" });
    expect(adminListHref(query)).toBe("/admin/products?q=mug&status=archived&cursor=abc");
  });

  it("drops an unknown status and empty values", () => {
    const query = parseAdminListQuery({ status: "sold", q: ["a", "b"] });
    expect(query).toEqual({ q: "", status: null, cursor: null });
    expect(adminListHref(query)).toBe("/admin/products");
  });
});
