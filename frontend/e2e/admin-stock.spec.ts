import { type Page, expect, test } from "@playwright/test";
import { type ApiProduct, allProducts, api, availableForSale, expectAccessible, screenshot, signInAsAdmin } from "./support";

interface StockLevel {
  product_id: string;
  on_hand: number;
  reserved: number;
  unavailable: number;
  available: number;
  low_stock_threshold: number;
}

/**
 * A product with some stock that the checkout scenarios leave alone: they take those with the
 * most units (`roomyProducts`), this takes the one with the fewest of at least 20.
 */
async function quietProduct(): Promise<ApiProduct> {
  const ctx = await api();
  const products = (await allProducts(ctx)).filter((p) => p.available >= 20).sort((a, b) => a.available - b.available);
  await ctx.dispose();
  const product = products[0];
  if (!product) throw new Error("the demo catalog should have a product with 20 units or more");
  return product;
}

/** The product's stock as the API has it, read with the admin's session through /bff. */
async function stockOf(page: Page, productId: string): Promise<StockLevel> {
  const res = await page.request.get(`/bff/api/v1/inventory/${productId}`);
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as StockLevel;
}

/** The product's row in the stock list, following "Next page" until it shows. */
async function findRow(page: Page, productId: string) {
  const row = page.locator(`[data-testid="stock-row"][data-product-id="${productId}"]`);
  const next = page.getByRole("navigation", { name: "Stock pages" }).getByRole("link", { name: "Next page →" });
  while ((await row.count()) === 0) {
    await expect(next, "the product should be on a page of the stock list").toBeVisible();
    await next.click();
    await expect(page).toHaveURL(/\/admin\/stock\?cursor=/);
  }
  return row;
}

test("an admin writes off damaged units with a note, reads them in the history, and sees the product low once its level is raised", async ({ page }) => {
  const product = await quietProduct();
  await signInAsAdmin(page, "/admin/products");
  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Stock" }).click();
  await expect(page).toHaveURL(/\/admin\/stock$/);
  await expect(page.getByRole("heading", { level: 1, name: "Stock" })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Stock" })).toHaveAttribute("aria-current", "page");
  await expect(page.getByRole("link", { name: "All products" })).toHaveAttribute("aria-current", "page");
  await expectAccessible(page, "the admin stock list");
  await screenshot(page, "admin-stock");

  const row = await findRow(page, product.id);
  const before = await stockOf(page, product.id);
  await expect(row.getByRole("link", { name: product.name })).toHaveAttribute("href", `/admin/stock/${product.id}`);
  await expect(row.getByTestId("stock-on-hand")).toHaveText(String(before.on_hand));
  await expect(row.getByTestId("stock-available")).toHaveText(String(before.available));
  await expect(row.getByTestId("stock-state")).toHaveText("In stock");

  // Escape closes the dialog, and the focus is back on the button that opened it.
  const adjust = row.getByRole("button", { name: `Adjust… ${product.name}` });
  await adjust.click();
  const dialog = page.getByRole("dialog", { name: `Adjust stock: ${product.name}` });
  await expect(dialog.getByLabel("Change in units")).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await expect(adjust).toBeFocused();

  // A change of 0 units is refused beside the field, and nothing changes.
  await adjust.click();
  await dialog.getByLabel("Change in units").fill("0");
  await dialog.getByLabel("Reason").selectOption("damage");
  await dialog.getByRole("button", { name: "Save adjustment" }).click();
  await expect(dialog.locator("#adjust-delta-error")).toHaveText("Enter a whole number of units other than 0.");
  await expect(dialog.getByLabel("Change in units")).toHaveAttribute("aria-invalid", "true");
  await expectAccessible(page, "the adjust dialog with an error");
  await screenshot(page, "admin-stock-adjust-refused", false);
  expect(await stockOf(page, product.id)).toEqual(before);
  // The API refuses it too, in the same words the form shows beside the field.
  const refused = await page.request.post(`/bff/api/v1/inventory/${product.id}/adjustments`, { data: { delta: 0, reason: "damage" } });
  expect(refused.status()).toBe(422);
  expect(((await refused.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual(["delta"]);
  expect(await stockOf(page, product.id)).toEqual(before);

  // Two units written off as damaged: the row takes the API's answer.
  const note = `Dropped off the shelf (e2e ${Date.now()})`;
  await dialog.getByLabel("Change in units").fill("-2");
  await dialog.getByLabel("Note").fill(note);
  await dialog.getByRole("button", { name: "Save adjustment" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(row.getByTestId("stock-on-hand")).toHaveText(String(before.on_hand - 2));
  await expect(row.getByTestId("stock-available")).toHaveText(String(before.available - 2));
  const outcome = page.getByTestId("stock-outcome");
  await expect(outcome).toContainText(`${product.name}: \u22122 units (Damage). Now ${before.on_hand - 2} on hand, ${before.available - 2} available.`);
  await expect(outcome).toBeFocused();
  expect(await stockOf(page, product.id)).toEqual({ ...before, on_hand: before.on_hand - 2, available: before.available - 2 });

  // The product's page: its level, and the write-off at the top of its history.
  await row.getByRole("link", { name: product.name }).click();
  await expect(page).toHaveURL(new RegExp(`/admin/stock/${product.id}$`));
  await expect(page.getByRole("heading", { level: 1, name: product.name })).toBeVisible();
  await expect(page.getByTestId("stock-on-hand")).toHaveText(String(before.on_hand - 2));
  const newest = page.getByTestId("stock-movement").first();
  await expect(newest).toHaveAttribute("data-kind", "adjusted");
  await expect(newest.getByTestId("movement-kind")).toHaveText("Adjusted");
  await expect(newest.getByTestId("movement-on-hand")).toHaveText(`\u22122 → ${before.on_hand - 2}`);
  await expect(newest.getByTestId("movement-reason")).toHaveText("Damage");
  await expect(newest.getByTestId("movement-note")).toHaveText(`Note: ${note}`);
  await expect(newest).toContainText("(you)");
  // The oldest movement on record is the product's first stock.
  await expect(page.getByTestId("stock-movement").last()).toHaveAttribute("data-kind", "opened");
  await expectAccessible(page, "a product's stock history");
  await screenshot(page, "admin-stock-history");

  // A low-stock level above what is available: the product is low, and listed as such.
  const threshold = before.available + 10;
  await page.getByRole("button", { name: "Low-stock level…" }).click();
  const levelDialog = page.getByRole("dialog", { name: `Low-stock level: ${product.name}` });
  await levelDialog.getByLabel("Low at or below (units available)").fill(String(threshold));
  await levelDialog.getByRole("button", { name: "Save level" }).click();
  await expect(levelDialog).toHaveCount(0);
  await expect(page.getByTestId("stock-outcome")).toContainText(`${product.name} counts as low at ${threshold} available or fewer. It is low now.`);
  await expect(page.getByTestId("stock-threshold")).toHaveText(String(threshold));
  await expect(page.getByTestId("stock-state")).toHaveText("Low");

  await page.getByRole("link", { name: "← Stock" }).click();
  await page.getByRole("link", { name: "Low stock only" }).click();
  await expect(page).toHaveURL(/\/admin\/stock\?low=1$/);
  await expect(page.getByRole("link", { name: "Low stock only" })).toHaveAttribute("aria-current", "page");
  const lowRow = page.locator(`[data-testid="stock-row"][data-product-id="${product.id}"]`);
  await expect(lowRow.getByTestId("stock-state")).toHaveText("Low");
  await expect(lowRow.getByTestId("stock-threshold")).toHaveText(String(threshold));
  // Every product listed is low or out of stock.
  for (const state of await page.getByTestId("stock-state").allTextContents()) expect(["Low", "Out of stock"]).toContain(state);
  await expectAccessible(page, "the low stock list");
  await screenshot(page, "admin-stock-low");
});

test("an admin sets damaged units aside, sees them unavailable and off sale, then puts them back on sale", async ({ page }) => {
  const product = await quietProduct();
  await signInAsAdmin(page, "/admin/stock");
  const row = await findRow(page, product.id);
  const before = await stockOf(page, product.id);
  await expect(row.getByTestId("stock-unavailable")).toHaveText(String(before.unavailable));

  const open = row.getByRole("button", { name: `Set aside… units of ${product.name}` });
  await open.click();
  const dialog = page.getByRole("dialog", { name: `Set aside: ${product.name}` });
  const setAside = dialog.getByRole("radio", { name: "Set aside as unavailable" });
  await expect(setAside).toBeChecked();
  await expect(setAside).toBeFocused();
  // More than can be promised is refused by the API, in its words above the fields.
  await dialog.getByLabel("Units").fill(String(before.available + 1));
  await dialog.getByRole("button", { name: "Set aside" }).click();
  await expect(dialog.getByRole("alert")).toContainText(`Only ${before.available} units can be set aside`);
  await expectAccessible(page, "the set-aside dialog with a refusal");
  await screenshot(page, "admin-stock-set-aside-refused", false);
  expect(await stockOf(page, product.id)).toEqual(before);

  const note = `Water damage, awaiting inspection (e2e ${Date.now()})`;
  await dialog.getByLabel("Units").fill("3");
  await dialog.getByLabel("Note").fill(note);
  await dialog.getByRole("button", { name: "Set aside" }).click();
  await expect(dialog).toHaveCount(0);
  const aside = { ...before, unavailable: before.unavailable + 3, available: before.available - 3 };
  await expect(row.getByTestId("stock-unavailable")).toHaveText(String(aside.unavailable));
  await expect(row.getByTestId("stock-available")).toHaveText(String(aside.available));
  await expect(row.getByTestId("stock-on-hand")).toHaveText(String(before.on_hand));
  await expect(page.getByTestId("stock-outcome")).toContainText(
    `${product.name}: 3 units set aside as unavailable. Now ${aside.unavailable} unavailable, ${aside.available} available.`,
  );
  expect(await stockOf(page, product.id)).toEqual(aside);
  await screenshot(page, "admin-stock-set-aside");
  // Shoppers are offered only what is left.
  await expect.poll(() => availableForSale(product.id)).toBe(aside.available);

  // The product's page: the units set aside, and the movement at the top of its history.
  await row.getByRole("link", { name: product.name }).click();
  await expect(page).toHaveURL(new RegExp(`/admin/stock/${product.id}$`));
  await expect(page.getByTestId("stock-unavailable")).toHaveText(String(aside.unavailable));
  await expect(page.getByTestId("stock-available")).toHaveText(String(aside.available));
  const newest = page.getByTestId("stock-movement").first();
  await expect(newest).toHaveAttribute("data-kind", "set_aside");
  await expect(newest.getByTestId("movement-kind")).toHaveText("Set aside");
  await expect(newest.getByTestId("movement-unavailable")).toHaveText(`+3 → ${aside.unavailable}`);
  await expect(newest.getByTestId("movement-note")).toHaveText(`Note: ${note}`);
  await expect(newest).toContainText("(you)");

  // Back on sale from the product's own page.
  await page.getByRole("button", { name: "Set aside…" }).click();
  const again = page.getByRole("dialog", { name: `Set aside: ${product.name}` });
  await again.getByRole("radio", { name: "Put back on sale" }).check();
  await again.getByLabel("Units").fill("3");
  await expectAccessible(page, "the set-aside dialog putting units back on sale");
  await screenshot(page, "admin-stock-put-back-dialog", false);
  await again.getByRole("button", { name: "Put back on sale" }).click();
  await expect(again).toHaveCount(0);
  await expect(page.getByTestId("stock-outcome")).toContainText(
    `${product.name}: 3 units back on sale. Now ${before.unavailable} unavailable, ${before.available} available.`,
  );
  await expect(page.getByTestId("stock-unavailable")).toHaveText(String(before.unavailable));
  await expect(page.getByTestId("stock-available")).toHaveText(String(before.available));
  await expect(newest).toHaveAttribute("data-kind", "set_aside");
  await expect(newest.getByTestId("movement-kind")).toHaveText("Back on sale");
  await expect(newest.getByTestId("movement-unavailable")).toHaveText(`\u22123 → ${before.unavailable}`);
  expect(await stockOf(page, product.id)).toEqual(before);
  await expectAccessible(page, "a product's history with units set aside and back on sale");
  await screenshot(page, "admin-stock-history-set-aside");
  await expect.poll(() => availableForSale(product.id)).toBe(before.available);
});
