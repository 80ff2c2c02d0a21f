import { describe, expect, it } from "vitest";
import {
  adminListHref,
  parseAdminListQuery,
  parseHistoryCursor,
  parseShipmentListQuery,
  parseStockListQuery,
  shipmentListHref,
  stockHistoryHref,
  stockListHref,
} from "./list-query";

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

describe("the admin stock list's URL", () => {
  it("pages through every product with the cursor", () => {
    const query = parseStockListQuery({ cursor: "0190a000-0000-7000-8000-000000000001" });
    expect(query).toEqual({ low: false, cursor: "0190a000-0000-7000-8000-000000000001" });
    expect(stockListHref(query)).toBe("/admin/stock?cursor=0190a000-0000-7000-8000-000000000001");
    expect(stockListHref({ low: false, cursor: null })).toBe("/admin/stock");
  });

  it("lists the low ones on one page: a cursor beside low=1 is dropped", () => {
    const query = parseStockListQuery({ low: "1", cursor: "abc" });
    expect(query).toEqual({ low: true, cursor: null });
    expect(stockListHref(query)).toBe("/admin/stock?low=1");
    expect(parseStockListQuery({ low: "yes" })).toEqual({ low: false, cursor: null });
    expect(parseStockListQuery({ low: ["1", "1"] })).toEqual({ low: false, cursor: null });
  });
});

describe("a product's stock history URL", () => {
  it("keeps the history cursor, and the newest page has none", () => {
    expect(stockHistoryHref("0190a000-0000-7000-8000-000000000001", "17")).toBe(
      "/admin/stock/0190a000-0000-7000-8000-000000000001?cursor=17",
    );
    expect(stockHistoryHref("0190a000-0000-7000-8000-000000000001", null)).toBe("/admin/stock/0190a000-0000-7000-8000-000000000001");
    expect(parseHistoryCursor({ cursor: "17" })).toBe("17");
    expect(parseHistoryCursor({ cursor: "" })).toBeNull();
  });
});
