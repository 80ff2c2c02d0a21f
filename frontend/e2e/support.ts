/**
 * Shared steps for the e2e scenarios: direct API calls for setup (finding
 * products, preparing another customer's order) and UI steps a shopper takes.
 */
import { mkdirSync } from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import path from "node:path";
import { crc32, deflateSync } from "node:zlib";
import { type APIRequestContext, type Locator, type Page, expect, request } from "@playwright/test";

export const BACKEND_URL = "http://127.0.0.1:18080";
export const APPROVED_CARD = "4242 4242 4242 4242";
export const DECLINED_CARD = "4000 0000 0000 0002";
export const ADMIN = { email: "admin@emporium.local", password: "admin-password-1" };

/**
 * The secret the carrier signs its updates with: the newest of those the backend was started
 * with (`e2e/start-backend.sh` sets the same default).
 */
export const CARRIER_SECRET =
  (process.env.EMPORIUM_CARRIER_WEBHOOK_SECRETS ?? "e2e-carrier-webhook-secret-0123456789abcdef").split(",").at(-1) ?? "";

const SCREENSHOTS = path.join(__dirname, "..", "screenshots");

export async function screenshot(page: Page, name: string, fullPage = true) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // A full-page capture of a scrolled page would paint the sticky header mid-page.
  await page.evaluate(() => window.scrollTo(0, 0));
  if (fullPage) {
    // Lazy pictures far below the fold would show as empty tiles: fetch them all first.
    await page.evaluate(() => {
      for (const image of Array.from(document.images)) image.loading = "eager";
    });
    await page.waitForFunction(() => Array.from(document.images).every((image) => image.complete));
  }
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage });
}

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.test`;
}

export interface ApiProduct {
  id: string;
  name: string;
  available: number;
  stock_status: string;
  price: { amount_minor: number; currency: string };
}

export async function api(): Promise<APIRequestContext> {
  return request.newContext({ baseURL: BACKEND_URL });
}

/** Units of the product the shop can still promise, as shoppers see them. */
export async function availableForSale(productId: string): Promise<number> {
  const ctx = await api();
  const res = await ctx.get(`/api/v1/products/${productId}`);
  expect(res.status(), await res.text()).toBe(200);
  const { available } = (await res.json()) as ApiProduct;
  await ctx.dispose();
  return available;
}

export async function allProducts(ctx: APIRequestContext): Promise<ApiProduct[]> {
  const products: ApiProduct[] = [];
  let cursor: string | null = null;
  do {
    // The default page size; see the report for the backend's `limit` parsing on this route.
    const query: string = cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
    const res = await ctx.get(`/api/v1/products${query}`);
    expect(res.ok(), `GET /api/v1/products answered ${res.status()}`).toBeTruthy();
    const page = (await res.json()) as { items: ApiProduct[]; next_cursor: string | null };
    products.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return products;
}

/**
 * Products with plenty of stock, skipping `used` ones so scenarios don't
 * compete for the same units.
 */
export async function roomyProducts(count: number, used: Set<string> = new Set()): Promise<ApiProduct[]> {
  const ctx = await api();
  const products = (await allProducts(ctx))
    .filter((p) => p.available >= 20 && !used.has(p.id))
    .sort((a, b) => b.available - a.available);
  await ctx.dispose();
  expect(products.length, "demo catalog should have products with stock").toBeGreaterThanOrEqual(count);
  const picked = products.slice(0, count);
  for (const p of picked) used.add(p.id);
  return picked;
}

export async function apiToken(ctx: APIRequestContext, email: string, password: string, name: string) {
  const res = await ctx.post("/api/v1/auth/register", { data: { email, password, name } });
  expect(res.status(), await res.text()).toBe(201);
  return ((await res.json()) as { access_token: string }).access_token;
}

/**
 * A PNG of `width`×`height` pixels made on the spot (a warm gradient with a dark disc in the
 * middle), so upload tests need no fixture files and can ask for any size.
 */
export function pngPicture(width: number, height: number): Buffer {
  const row = 1 + width * 3;
  const pixels = Buffer.alloc(row * height);
  const radius = Math.min(width, height) * 0.3;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = y * row + 1 + x * 3;
      const inDisc = Math.hypot(x - width / 2, y - height / 2) <= radius;
      pixels[at] = inDisc ? 110 : 236 - Math.round((y / height) * 40);
      pixels[at + 1] = inDisc ? 70 : 214 - Math.round((x / width) * 40);
      pixels[at + 2] = inDisc ? 45 : 180;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 2; // RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", header), chunk("IDAT", deflateSync(pixels)), chunk("IEND", Buffer.alloc(0))]);
}

/** Whether the browser has the picture's pixels (a broken or blocked one has no natural width). */
export async function expectPictureLoaded(picture: Locator) {
  await expect(picture).toBeVisible();
  await expect.poll(() => picture.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0))).toBeGreaterThan(0);
}

// --- UI steps ---------------------------------------------------------------

/** Fills the sign-in form the page shows (after a redirect to it). */
export async function signIn(page: Page, account: { email: string; password: string }) {
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.getByLabel("Email").fill(account.email);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Opens an admin screen, signing in as the demo admin on the way. */
export async function signInAsAdmin(page: Page, path: string) {
  await page.goto(path);
  await signIn(page, ADMIN);
  await expect(page.getByRole("link", { name: "Emporium admin" })).toBeVisible();
}

export async function registerViaUi(page: Page, name = "Test Shopper") {
  const email = uniqueEmail("shopper");
  const password = "correct-horse-battery";
  await page.goto("/register");
  await page.getByLabel("Full name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByTestId("account-name")).toHaveText(name);
  return { email, password, name };
}

export async function addToCart(page: Page, productId: string, quantity: number) {
  await page.goto(`/products/${productId}`);
  await page.getByLabel("Quantity", { exact: true }).fill(String(quantity));
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page.getByText(/Added \d+ × .* to your cart/)).toBeVisible();
}

export interface CheckoutOptions {
  /** A new card's number (the approved test card by default). */
  card?: string;
  /** Pay with the saved card whose radio is named so, instead of a new card. */
  savedCard?: string | RegExp;
  country?: string;
  /** The shipping option's radio to choose; the page starts on Standard. */
  shipping?: "Standard" | "Express";
  screenshotAs?: string;
}

export interface ShippingQuote {
  items_value: { amount_minor: number; currency: string };
  options: {
    service: "standard" | "express";
    price: { amount_minor: number; currency: string };
    free: boolean;
    min_days: number;
    max_days: number;
  }[];
}

/** What the API quotes for shipping `lines` to `country` (anyone may ask). */
export async function quoteShipping(country: string, lines: { product_id: string; quantity: number }[]): Promise<ShippingQuote> {
  const ctx = await api();
  const res = await ctx.post("/api/v1/shipping/quotes", { data: { country, lines } });
  expect(res.status(), await res.text()).toBe(200);
  const quote = (await res.json()) as ShippingQuote;
  await ctx.dispose();
  return quote;
}

/** "$12.34" for 1234 US cents, as the shop formats amounts. */
export function usd(amountMinor: number): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(amountMinor / 100);
}

/** Fills the checkout form and places the order; resolves on the order page. */
export async function checkout(page: Page, options: CheckoutOptions = {}) {
  await page.goto("/checkout");
  await page.getByLabel("Full name").fill("Ada Lovelace");
  await page.getByLabel("Address", { exact: true }).fill("12 Analytical Row");
  await page.getByLabel("City").fill("Springfield");
  await page.getByLabel("Postal code").fill("12345");
  await page.getByLabel("Country").selectOption(options.country ?? "US");
  if (options.shipping) await page.getByRole("radio", { name: new RegExp(`^${options.shipping} —`) }).check();
  // A shopper with saved cards is offered them first (the default chosen); one without, the card's fields.
  const payWith = page.getByRole("radiogroup", { name: "Pay with" });
  await expect(payWith.or(page.getByLabel("Name on card")).first()).toBeVisible();
  if (options.savedCard) {
    await payWith.getByRole("radio", { name: options.savedCard }).check();
  } else {
    if (await payWith.isVisible()) await payWith.getByRole("radio", { name: "A new card" }).check();
    await page.getByLabel("Name on card").fill("Ada Lovelace");
    await page.getByLabel("Card number").fill(options.card ?? APPROVED_CARD);
    await page.getByLabel("CVC").fill("123");
  }
  if (options.screenshotAs) await screenshot(page, options.screenshotAs);
  await page.getByRole("button", { name: "Place order" }).click();
  await page.waitForURL(/\/orders\/[0-9a-f-]+$/);
  return page.url().split("/").pop() ?? "";
}

/** Waits for the live order page to reach a final status by itself (no reload). */
export async function expectOrderStatus(page: Page, status: "completed" | "cancelled") {
  await expect(page.getByTestId("order-status")).toHaveAttribute("data-status", status, { timeout: 30_000 });
}

/** Fails on serious or critical WCAG A/AA problems reported by axe. */
export async function expectAccessible(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const serious = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(
    serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`),
    `accessibility problems on ${what}`,
  ).toEqual([]);
}
