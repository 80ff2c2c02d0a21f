import { type APIRequestContext, type Page, expect, test } from "@playwright/test";
import { api, expectAccessible, screenshot } from "./support";

/** The subset of `GET /api/v1/products` these scenarios compare the page with. */
interface SearchAnswer {
  items: { id: string; name: string; price: { amount_minor: number } }[];
  total: number;
}

async function searchApi(ctx: APIRequestContext, params: Record<string, string>): Promise<SearchAnswer> {
  const res = await ctx.get(`/api/v1/products?${new URLSearchParams({ limit: "100", ...params })}`);
  expect(res.ok(), `GET /api/v1/products answered ${res.status()}`).toBeTruthy();
  return (await res.json()) as SearchAnswer;
}

async function categoryId(ctx: APIRequestContext, slug: string): Promise<string> {
  const res = await ctx.get("/api/v1/categories");
  expect(res.ok()).toBeTruthy();
  const { items } = (await res.json()) as { items: { id: string; slug: string }[] };
  const category = items.find((c) => c.slug === slug);
  if (!category) throw new Error(`the demo catalog has no category ${slug}`);
  return category.id;
}

const results = (page: Page) => page.getByRole("list", { name: "Products" });
const searchBox = (page: Page) => page.getByRole("combobox", { name: "Search products" });

/** Product names in the order the page shows them. */
function namesShown(page: Page): Promise<string[]> {
  return results(page).getByRole("heading", { level: 3 }).allInnerTexts();
}

/** Prices shown on the cards, in cents. */
async function pricesShown(page: Page): Promise<number[]> {
  const texts = await results(page).getByTestId("price").allInnerTexts();
  return texts.map((t) => Math.round(Number(t.replace(/[^0-9.]/g, "")) * 100));
}

test("a shopper searches with a typo, narrows by category, price and sort, and goes back", async ({ page }) => {
  const ctx = await api();
  const everything = await searchApi(ctx, {});

  await page.goto("/");
  await expect(page.getByRole("heading", { name: "All products" })).toBeVisible();
  await expect(page.getByTestId("result-count")).toHaveText(`${everything.total} products`);

  // Pages follow the cursor; the back button returns to the page before.
  const firstPage = await namesShown(page);
  expect(firstPage.length).toBeGreaterThan(0);
  expect(firstPage.length).toBeLessThan(everything.total);
  await page.getByRole("link", { name: "Next page →" }).click();
  await expect(page).toHaveURL(/\/\?cursor=/);
  await expect.poll(() => namesShown(page)).not.toEqual(firstPage);
  expect((await namesShown(page)).filter((name) => firstPage.includes(name))).toEqual([]);
  await page.goBack();
  await expect(page).toHaveURL(/\/$/);
  await expect.poll(() => namesShown(page)).toEqual(firstPage);

  // A typo still finds the product, in the suggestions and in the results.
  const box = searchBox(page);
  await box.click();
  await box.pressSequentially("hedphone", { delay: 30 });
  const suggestions = page.getByRole("listbox", { name: "Suggestions" });
  await expect(suggestions.getByRole("option", { name: "Headphone Stand" })).toBeVisible();
  await expect(box).toHaveAttribute("aria-expanded", "true");
  await screenshot(page, "search-suggestions", false);
  await expectAccessible(page, "the search box with its suggestions");
  await box.press("Escape");
  await expect(suggestions).toBeHidden();
  await box.press("Enter");
  await expect(page).toHaveURL(/\/\?q=hedphone$/);
  await expect(page.getByRole("heading", { level: 1, name: "Results for “hedphone”" })).toBeVisible();
  await expect(results(page).getByRole("link", { name: "Headphone Stand" })).toBeVisible();
  const typo = await searchApi(ctx, { q: "hedphone" });
  await expect(page.getByTestId("result-count")).toHaveText(`${typo.total} ${typo.total === 1 ? "product" : "products"}`);

  // Words that match nothing say so, with a way back to everything.
  await box.fill("zzqxv");
  await box.press("Enter");
  await expect(page.getByRole("heading", { name: "No products match “zzqxv”" })).toBeVisible();
  await screenshot(page, "search-no-results", false);
  await page.getByRole("link", { name: "Clear search and filters" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(box).toHaveValue("");
  await expect(page.getByTestId("result-count")).toHaveText(`${everything.total} products`);

  // A category includes the ones below it; the tree marks where the shopper is.
  const kitchen = await categoryId(ctx, "kitchen");
  const categories = page.getByRole("navigation", { name: "Categories" });
  await categories.getByRole("link", { name: /^Kitchen/ }).click();
  await expect(page).toHaveURL(`/?category=${kitchen}`);
  await expect(categories.getByRole("link", { name: /^Kitchen/ })).toHaveAttribute("aria-current", "page");
  const inKitchen = await searchApi(ctx, { category: kitchen });
  await expect(page.getByTestId("result-count")).toHaveText(`${inKitchen.total} products`);
  await expect.poll(() => namesShown(page)).toEqual(inKitchen.items.map((p) => p.name));
  expect(inKitchen.items.map((p) => p.name)).toContain("Chef's Knife, 8 inch"); // from Knives & Boards

  // A price band fills the range in; a typed range (dollars) reaches the API in cents.
  await page.getByTestId("price-bands").getByRole("link", { name: /^\$25 – \$49\.99/ }).click();
  await expect(page).toHaveURL(`/?category=${kitchen}&price_min=2500&price_max=4999`);
  const from = page.getByRole("textbox", { name: "Price from" });
  const to = page.getByRole("textbox", { name: "Price to" });
  await expect(from).toHaveValue("25");
  await expect(to).toHaveValue("49.99");
  await from.fill("20");
  await to.fill("60");
  await page.getByRole("button", { name: "Apply price" }).click();
  await expect(page).toHaveURL(`/?category=${kitchen}&price_min=2000&price_max=6000`);
  const inRange = await searchApi(ctx, { category: kitchen, price_min: "2000", price_max: "6000" });
  await expect(page.getByTestId("result-count")).toHaveText(`${inRange.total} products`);
  const catalogOrder = inRange.items.map((p) => p.name);
  await expect.poll(() => namesShown(page)).toEqual(catalogOrder);
  for (const cents of await pricesShown(page)) expect(cents).toBeGreaterThanOrEqual(2000);
  for (const cents of await pricesShown(page)) expect(cents).toBeLessThanOrEqual(6000);
  await expect(page.getByRole("list", { name: "Active filters" })).toContainText("$20 – $60");

  // The sort changes the order, and keeps the filters.
  const sortBy = page.getByLabel("Sort by");
  await sortBy.selectOption("price_asc");
  await expect(page).toHaveURL(`/?category=${kitchen}&price_min=2000&price_max=6000&sort=price_asc`);
  await expect.poll(() => namesShown(page)).not.toEqual(catalogOrder);
  const ascending = await namesShown(page);
  const ascendingPrices = await pricesShown(page);
  expect(ascendingPrices).toEqual([...ascendingPrices].sort((a, b) => a - b));
  expect([...ascending].sort()).toEqual([...catalogOrder].sort());
  await screenshot(page, "search-filtered");
  await expectAccessible(page, "filtered, sorted results");

  await sortBy.selectOption("price_desc");
  await expect(page).toHaveURL(/sort=price_desc$/);
  await expect.poll(() => pricesShown(page)).toEqual([...ascendingPrices].reverse());

  // Back: the previous results, order and controls.
  await page.goBack();
  await expect(page).toHaveURL(/sort=price_asc$/);
  await expect.poll(() => namesShown(page)).toEqual(ascending);
  await expect(sortBy).toHaveValue("price_asc");
  await expect(from).toHaveValue("20");

  // A result opens its product page.
  const cheapest = ascending[0] ?? "";
  await results(page).getByRole("link", { name: cheapest, exact: true }).click();
  await expect(page).toHaveURL(/\/products\/[0-9a-f-]+$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(cheapest);

  // From the keyboard alone: the last word may be a prefix, arrows pick, Enter opens.
  await page.goto("/");
  await searchBox(page).focus();
  await page.keyboard.type("chef kni", { delay: 30 });
  await expect(page.getByRole("option", { name: "Chef's Knife, 8 inch" })).toBeVisible();
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("option", { name: "Chef's Knife, 8 inch" })).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Chef's Knife, 8 inch");
  await ctx.dispose();
});

test.describe("a product named like markup", () => {
  // Without the content policy only the page's own escaping stands between such a name and
  // a script that runs, so a dialog here means the name was rendered as HTML.
  test.use({ bypassCSP: true });

  test("is shown as its literal text and runs nothing", async ({ page }) => {
    const dialogs: string[] = [];
    page.on("dialog", async (dialog) => {
      dialogs.push(dialog.message());
      await dialog.dismiss();
    });
    const name = "<img src=x onerror=alert(1)>";

    const ctx = await api();
    const login = await ctx.post("/api/v1/auth/login", {
      data: { email: "admin@emporium.local", password: "admin-password-1" },
    });
    expect(login.status(), await login.text()).toBe(200);
    const { access_token: token } = (await login.json()) as { access_token: string };
    const created = await ctx.post("/api/v1/products", {
      headers: { authorization: `Bearer ${token}` },
      data: {
        sku: `E2E-XSS-${Date.now()}`,
        name,
        price: { amount_minor: 1234, currency: "USD" },
        weight_grams: 100,
        initial_stock: 3,
      },
    });
    expect(created.status(), await created.text()).toBe(201);
    const { id } = (await created.json()) as { id: string };
    // The search index follows the catalog's events, a moment behind the write.
    await expect.poll(async () => (await searchApi(ctx, { q: name })).items.map((p) => p.id)).toContain(id);
    await ctx.dispose();

    await page.goto("/");
    const box = searchBox(page);
    await box.click();
    await box.pressSequentially("onerror", { delay: 30 });
    await expect(page.getByRole("option", { name, exact: true })).toBeVisible();
    await box.press("Escape");
    await box.fill(name);
    await box.press("Enter");
    await expect(page).toHaveURL(`/?${new URLSearchParams({ q: name })}`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Results for “${name}”`);
    const link = results(page).getByRole("link", { name, exact: true });
    await expect(link).toHaveText(name);
    await expect(page.locator("main img")).toHaveCount(0);
    await screenshot(page, "search-markup-name", false);

    await link.click();
    await expect(page).toHaveURL(`/products/${id}`);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
    await expect(page.locator("main img")).toHaveCount(0);
    expect(dialogs, "no script from the product's name ran").toEqual([]);
  });
});
