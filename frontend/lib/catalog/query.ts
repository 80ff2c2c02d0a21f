/**
 * The catalog's search-and-browse state, which lives entirely in the URL's query string so
 * a results page can be shared, reloaded and reached again with the back button.
 *
 * The query string uses the API's own names and units (`price_min`/`price_max` in cents),
 * so the page passes it on unchanged; dollars appear only where a shopper types or reads a
 * price. Parsing never throws: anything the API would refuse (an unknown sort, a category
 * that is not a UUID, a negative price) is dropped, so a hand-edited link still shows a page.
 */
import { LOCALE, toDecimalString } from "../money";

/** Orders the API offers; `relevance` is its default (without words: the order added). */
export const SORTS = ["relevance", "price_asc", "price_desc", "newest", "name"] as const;
export type Sort = (typeof SORTS)[number];

/** The shop's prices, filters and price bands are in US dollars. */
export const CATALOG_CURRENCY = "USD";

/** Longest search text the API accepts. */
export const MAX_QUERY_CHARS = 200;

export interface CatalogQuery {
  /** Search words; "" for none. */
  q: string;
  /** A category id (its sub-categories are included); null for all. */
  category: string | null;
  /** Lowest price in cents, included. */
  priceMin: number | null;
  /** Highest price in cents, included. */
  priceMax: number | null;
  inStock: boolean;
  sort: Sort;
  /** The previous page's `next_cursor`; only valid with the same sort. */
  cursor: string | null;
}

export const EMPTY_QUERY: CatalogQuery = {
  q: "",
  category: null,
  priceMin: null,
  priceMax: null,
  inStock: false,
  sort: "relevance",
  cursor: null,
};

/** What Next.js passes a page as `searchParams`, or the browser's `URLSearchParams`. */
export type RawSearchParams = URLSearchParams | Record<string, string | string[] | undefined>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Whole cents, at most 14 digits so they stay exact as JavaScript numbers. */
const CENTS = /^\d{1,14}$/;

function first(raw: RawSearchParams, name: string): string | undefined {
  if (raw instanceof URLSearchParams) return raw.get(name) ?? undefined;
  const value = raw[name];
  return Array.isArray(value) ? value[0] : value;
}

function cents(text: string | undefined): number | null {
  const trimmed = text?.trim();
  return trimmed && CENTS.test(trimmed) ? Number(trimmed) : null;
}

function isSort(value: string | undefined): value is Sort {
  return (SORTS as readonly string[]).includes(value ?? "");
}

/** The catalog state a URL describes; values the API would refuse are left out. */
export function parseCatalogQuery(raw: RawSearchParams): CatalogQuery {
  const q = (first(raw, "q") ?? "").trim().slice(0, MAX_QUERY_CHARS);
  const category = first(raw, "category")?.trim() ?? "";
  let priceMin = cents(first(raw, "price_min"));
  let priceMax = cents(first(raw, "price_max"));
  // The API refuses a range upside down; a hand-edited link most likely meant it the other way.
  if (priceMin !== null && priceMax !== null && priceMin > priceMax) [priceMin, priceMax] = [priceMax, priceMin];
  const sort = first(raw, "sort");
  return {
    q,
    category: UUID.test(category) ? category.toLowerCase() : null,
    priceMin: priceMin === 0 ? null : priceMin,
    priceMax,
    inStock: first(raw, "in_stock") === "true",
    sort: isSort(sort) ? sort : "relevance",
    cursor: first(raw, "cursor") || null,
  };
}

/**
 * The query string for a state, with every empty or default value left out (so the plain
 * catalog is just `/`) and the parameters in one fixed order (so equal states give equal URLs).
 */
export function toSearchParams(query: CatalogQuery): URLSearchParams {
  const params = new URLSearchParams();
  const q = query.q.trim();
  if (q) params.set("q", q);
  if (query.category) params.set("category", query.category);
  if (query.priceMin !== null && query.priceMin > 0) params.set("price_min", String(query.priceMin));
  if (query.priceMax !== null) params.set("price_max", String(query.priceMax));
  if (query.inStock) params.set("in_stock", "true");
  if (query.sort !== "relevance") params.set("sort", query.sort);
  if (query.cursor) params.set("cursor", query.cursor);
  return params;
}

/** The catalog page's address for a state: `/` or `/?q=…`. */
export function catalogHref(query: CatalogQuery): string {
  const search = toSearchParams(query).toString();
  return search ? `/?${search}` : "/";
}

/** What a shopper can change; the cursor is not among them, it only comes from a page. */
export type CatalogChange = Partial<Omit<CatalogQuery, "cursor">>;

/**
 * The state after a shopper changes the search, a filter or the sort: back to the first
 * page, since a cursor belongs to the results (and the sort) it was issued for.
 */
export function withChanges(query: CatalogQuery, changes: CatalogChange): CatalogQuery {
  return { ...query, ...changes, cursor: null };
}

/** The next page of the same results. */
export function withCursor(query: CatalogQuery, cursor: string | null): CatalogQuery {
  return { ...query, cursor };
}

/** The same words and sort over the whole catalog: no category, price or stock filter. */
export function withoutFilters(query: CatalogQuery): CatalogQuery {
  return withChanges(query, { category: null, priceMin: null, priceMax: null, inStock: false });
}

/** True when a category, price or stock filter narrows the results. */
export function hasFilters(query: CatalogQuery): boolean {
  return query.category !== null || query.priceMin !== null || query.priceMax !== null || query.inStock;
}

// --- Dollars as typed and shown ---------------------------------------------

export type DollarInput = { ok: true; cents: number | null } | { ok: false; message: string };

const DOLLARS = /^(\d{1,12})(?:\.(\d{0,2}))?$/;
const GROUPED = /^\d{1,3}(?:,\d{3})+(?:\.\d*)?$/;
const INVALID_DOLLARS = "Enter an amount in dollars, like 25 or 19.99.";

/**
 * Cents for what a shopper typed as a dollar amount ("12", "12.5", "$1,299.99"), without
 * going through a float; `cents: null` when the box is blank.
 */
export function dollarsToCents(text: string): DollarInput {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true, cents: null };
  let cleaned = trimmed.replace(/^\$\s*/, "");
  // Thousands separators only where they belong ("1,299.99", not "1,2,3").
  if (cleaned.includes(",")) {
    if (!GROUPED.test(cleaned)) return { ok: false, message: INVALID_DOLLARS };
    cleaned = cleaned.replace(/,/g, "");
  }
  const match = DOLLARS.exec(cleaned.startsWith(".") ? `0${cleaned}` : cleaned);
  if (!match) return { ok: false, message: INVALID_DOLLARS };
  const [, whole = "0", fraction = ""] = match;
  return { ok: true, cents: Number(whole) * 100 + Number(fraction.padEnd(2, "0")) };
}

/** The dollar amount to put back in a price box: 1250 → "12.50", 2000 → "20". */
export function centsToDollars(amount: number): string {
  const decimal = toDecimalString(amount, 2);
  return decimal.endsWith(".00") ? decimal.slice(0, -3) : decimal;
}

const wholeDollars = new Intl.NumberFormat(LOCALE, {
  style: "currency",
  currency: CATALOG_CURRENCY,
  maximumFractionDigits: 0,
});
const withCents = new Intl.NumberFormat(LOCALE, { style: "currency", currency: CATALOG_CURRENCY });

/** A price bound for labels: "$25" for whole dollars, "$24.99" otherwise. */
export function formatPriceBound(amount: number): string {
  const decimal = toDecimalString(amount, 2) as Intl.StringNumericLiteral;
  return (amount % 100 === 0 ? wholeDollars : withCents).format(decimal);
}

/** "$10 – $24.99", "Under $10", "$250 and up", or "Any price". */
export function priceRangeLabel(priceMin: number | null, priceMax: number | null): string {
  if (priceMin === null && priceMax === null) return "Any price";
  if (priceMin === null) return priceMax === null ? "Any price" : `Up to ${formatPriceBound(priceMax)}`;
  if (priceMax === null) return `${formatPriceBound(priceMin)} and up`;
  return `${formatPriceBound(priceMin)} – ${formatPriceBound(priceMax)}`;
}

// --- Price bands ------------------------------------------------------------

/** A facet band as the API counts it: from `min` up to, not including, `max`. */
export interface BandBounds {
  min: number;
  max: number | null;
}

/**
 * The filter that shows exactly a band's products: the API's `price_max` includes its
 * bound while a band excludes its upper edge, so the range stops one cent below it.
 */
export function bandRange(band: BandBounds): { priceMin: number | null; priceMax: number | null } {
  return { priceMin: band.min > 0 ? band.min : null, priceMax: band.max === null ? null : band.max - 1 };
}

export function isBandSelected(query: CatalogQuery, band: BandBounds): boolean {
  const range = bandRange(band);
  return query.priceMin === range.priceMin && query.priceMax === range.priceMax;
}

/** "Under $10", "$10 – $24.99", "$250 and up". */
export function bandLabel(band: BandBounds): string {
  if (band.min === 0 && band.max !== null) return `Under ${formatPriceBound(band.max)}`;
  const range = bandRange(band);
  return priceRangeLabel(range.priceMin, range.priceMax);
}
