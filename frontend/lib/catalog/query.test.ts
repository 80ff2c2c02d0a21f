import { describe, expect, it } from "vitest";
import {
  type CatalogQuery,
  EMPTY_QUERY,
  bandLabel,
  bandRange,
  catalogHref,
  centsToDollars,
  dollarsToCents,
  hasFilters,
  isBandSelected,
  parseCatalogQuery,
  priceRangeLabel,
  toSearchParams,
  withChanges,
  withCursor,
  withoutFilters,
} from "./query";

const KITCHEN = "0190a000-0000-7000-8000-0000000000c1";

const everything: CatalogQuery = {
  q: "chef knife",
  category: KITCHEN,
  priceMin: 1000,
  priceMax: 2499,
  inStock: true,
  sort: "price_desc",
  cursor: "p~2499~0190a000",
};

describe("parseCatalogQuery", () => {
  it("reads every value the catalog keeps in the URL", () => {
    const query = parseCatalogQuery(
      new URLSearchParams(
        `q=chef+knife&category=${KITCHEN}&price_min=1000&price_max=2499&in_stock=true&sort=price_desc&cursor=p~2499~0190a000`,
      ),
    );
    expect(query).toEqual(everything);
  });

  it("gives the plain catalog for an empty query string", () => {
    expect(parseCatalogQuery(new URLSearchParams(""))).toEqual(EMPTY_QUERY);
    expect(parseCatalogQuery({})).toEqual(EMPTY_QUERY);
  });

  it("reads Next.js searchParams, taking the first of repeated values", () => {
    const query = parseCatalogQuery({ q: ["mug", "bowl"], sort: "name", in_stock: undefined });
    expect(query.q).toBe("mug");
    expect(query.sort).toBe("name");
    expect(query.inStock).toBe(false);
  });

  it("leaves out what the API would refuse, so a hand-edited link still shows a page", () => {
    const query = parseCatalogQuery(
      new URLSearchParams("category=kitchen&price_min=-5&price_max=12.50&sort=cheapest&in_stock=yes"),
    );
    expect(query).toEqual(EMPTY_QUERY);
  });

  it("trims the words and keeps them within the API's 200 characters", () => {
    expect(parseCatalogQuery(new URLSearchParams("q=%20%20tea%20")).q).toBe("tea");
    expect(parseCatalogQuery(new URLSearchParams(`q=${"a".repeat(250)}`)).q).toHaveLength(200);
  });

  it("turns an upside-down price range the right way up", () => {
    const query = parseCatalogQuery(new URLSearchParams("price_min=5000&price_max=1000"));
    expect([query.priceMin, query.priceMax]).toEqual([1000, 5000]);
  });

  it("reads a zero lower bound as no lower bound", () => {
    expect(parseCatalogQuery(new URLSearchParams("price_min=0&price_max=999")).priceMin).toBeNull();
  });

  it("keeps an upper-case category id in the canonical lower case", () => {
    expect(parseCatalogQuery({ category: KITCHEN.toUpperCase() }).category).toBe(KITCHEN);
  });
});

describe("toSearchParams and catalogHref", () => {
  it("write every value under the API's own names, prices in cents", () => {
    expect(toSearchParams(everything).toString()).toBe(
      `q=chef+knife&category=${KITCHEN}&price_min=1000&price_max=2499&in_stock=true&sort=price_desc&cursor=p%7E2499%7E0190a000`,
    );
  });

  it("drop empty and default values, so the plain catalog is just /", () => {
    expect(catalogHref(EMPTY_QUERY)).toBe("/");
    expect(catalogHref({ ...EMPTY_QUERY, q: "   ", priceMin: 0, sort: "relevance", cursor: "" })).toBe("/");
    expect(catalogHref({ ...EMPTY_QUERY, q: "mug" })).toBe("/?q=mug");
    expect(catalogHref({ ...EMPTY_QUERY, priceMax: 0 })).toBe("/?price_max=0");
  });

  it("round-trip: parsing what was written gives the same state", () => {
    for (const query of [everything, EMPTY_QUERY, { ...EMPTY_QUERY, q: "“quoted” & <odd> ?=#", sort: "name" as const }]) {
      expect(parseCatalogQuery(toSearchParams(query))).toEqual(query);
    }
  });

  it("escapes the words, so they cannot add parameters of their own", () => {
    const href = catalogHref({ ...EMPTY_QUERY, q: "mug&in_stock=true" });
    expect(parseCatalogQuery(new URL(href, "http://shop.test").searchParams)).toMatchObject({
      q: "mug&in_stock=true",
      inStock: false,
    });
  });
});

describe("changing the state", () => {
  it("a new search, filter or sort starts again at the first page", () => {
    expect(withChanges(everything, { q: "kettle" })).toEqual({ ...everything, q: "kettle", cursor: null });
    expect(withChanges(everything, { inStock: false }).cursor).toBeNull();
    expect(withChanges(everything, { category: null }).cursor).toBeNull();
    expect(withChanges(everything, { priceMin: null, priceMax: null }).cursor).toBeNull();
    // A cursor belongs to its sort: the API refuses it under another.
    expect(withChanges(everything, { sort: "name" })).toMatchObject({ sort: "name", cursor: null });
  });

  it("paging keeps every filter and only moves the cursor", () => {
    expect(withCursor(everything, "next")).toEqual({ ...everything, cursor: "next" });
    expect(withCursor(everything, null)).toEqual({ ...everything, cursor: null });
  });

  it("clearing the filters keeps the words and the sort", () => {
    const cleared = withoutFilters(everything);
    expect(cleared).toEqual({ ...EMPTY_QUERY, q: "chef knife", sort: "price_desc" });
    expect(hasFilters(cleared)).toBe(false);
    expect(hasFilters(everything)).toBe(true);
    expect(hasFilters({ ...EMPTY_QUERY, q: "words alone are no filter" })).toBe(false);
  });
});

describe("dollars and cents", () => {
  it("reads what a shopper types as dollars into exact cents", () => {
    expect(dollarsToCents("12")).toEqual({ ok: true, cents: 1200 });
    expect(dollarsToCents("12.5")).toEqual({ ok: true, cents: 1250 });
    expect(dollarsToCents("12.05")).toEqual({ ok: true, cents: 1205 });
    expect(dollarsToCents("0.29")).toEqual({ ok: true, cents: 29 });
    expect(dollarsToCents(".99")).toEqual({ ok: true, cents: 99 });
    expect(dollarsToCents("12.")).toEqual({ ok: true, cents: 1200 });
    expect(dollarsToCents(" $1,299.99 ")).toEqual({ ok: true, cents: 129999 });
    // 4.35 * 100 is 434.99999999999994 as a float: no float is involved.
    expect(dollarsToCents("4.35")).toEqual({ ok: true, cents: 435 });
  });

  it("reads a blank box as no bound", () => {
    expect(dollarsToCents("")).toEqual({ ok: true, cents: null });
    expect(dollarsToCents("   ")).toEqual({ ok: true, cents: null });
  });

  it("refuses what is not an amount of dollars and cents", () => {
    for (const text of ["-5", "12.345", "abc", "1e3", "12..5", "$", "1 000", "0x10", "1,2,3", "12,50"]) {
      expect(dollarsToCents(text).ok, text).toBe(false);
    }
  });

  it("writes cents back as dollars for the price boxes", () => {
    expect(centsToDollars(1250)).toBe("12.50");
    expect(centsToDollars(2000)).toBe("20");
    expect(centsToDollars(2499)).toBe("24.99");
    expect(centsToDollars(5)).toBe("0.05");
    expect(centsToDollars(0)).toBe("0");
    for (const cents of [1, 99, 100, 1205, 129999]) {
      expect(dollarsToCents(centsToDollars(cents))).toEqual({ ok: true, cents });
    }
  });

  it("labels a price range in dollars", () => {
    expect(priceRangeLabel(1000, 2499)).toBe("$10 – $24.99");
    expect(priceRangeLabel(null, 5000)).toBe("Up to $50");
    expect(priceRangeLabel(25000, null)).toBe("$250 and up");
    expect(priceRangeLabel(null, null)).toBe("Any price");
  });
});

describe("price bands", () => {
  it("a band's range stops a cent below its upper edge, which the API's price_max includes", () => {
    expect(bandRange({ min: 1000, max: 2500 })).toEqual({ priceMin: 1000, priceMax: 2499 });
    expect(bandRange({ min: 0, max: 1000 })).toEqual({ priceMin: null, priceMax: 999 });
    expect(bandRange({ min: 25000, max: null })).toEqual({ priceMin: 25000, priceMax: null });
  });

  it("a band is chosen when the range is exactly its own", () => {
    const band = { min: 1000, max: 2500 };
    expect(isBandSelected(withChanges(EMPTY_QUERY, bandRange(band)), band)).toBe(true);
    expect(isBandSelected({ ...EMPTY_QUERY, priceMin: 1000, priceMax: 2500 }, band)).toBe(false);
    expect(isBandSelected(EMPTY_QUERY, band)).toBe(false);
  });

  it("a chosen band survives the trip through the URL", () => {
    const band = { min: 0, max: 1000 };
    const query = parseCatalogQuery(toSearchParams(withChanges(EMPTY_QUERY, bandRange(band))));
    expect(isBandSelected(query, band)).toBe(true);
  });

  it("labels bands as shoppers read them", () => {
    expect(bandLabel({ min: 0, max: 1000 })).toBe("Under $10");
    expect(bandLabel({ min: 1000, max: 2500 })).toBe("$10 – $24.99");
    expect(bandLabel({ min: 25000, max: null })).toBe("$250 and up");
  });
});
