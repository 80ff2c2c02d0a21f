import { describe, expect, it } from "vitest";
import { adminListHref, parseAdminListQuery, parseShipmentListQuery, shipmentListHref } from "./list-query";

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

describe("the admin shipment list's URL", () => {
  it("keeps a known status and the cursor", () => {
    const query = parseShipmentListQuery({ status: "in_transit", cursor: "abc" });
    expect(query).toEqual({ status: "in_transit", cursor: "abc" });
    expect(shipmentListHref(query)).toBe("/admin/shipments?status=in_transit&cursor=abc");
  });

  it("lists every shipment for an unknown status, and starts from the first page", () => {
    const query = parseShipmentListQuery({ status: "lost", cursor: "" });
    expect(query).toEqual({ status: null, cursor: null });
    expect(shipmentListHref(query)).toBe("/admin/shipments");
    expect(shipmentListHref({ status: "created", cursor: null })).toBe("/admin/shipments?status=created");
  });
});
