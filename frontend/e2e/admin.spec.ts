import { mkdirSync } from "node:fs";
import { type Browser, type Page, expect, test } from "@playwright/test";
import { api, expectAccessible, expectPictureLoaded, pngPicture, signIn, signInAsAdmin } from "./support";

const CUSTOMER = { email: "customer@emporium.local", password: "customer-password-1" };
const SHOTS = "/tmp/admin-shots";

async function shot(page: Page, name: string) {
  mkdirSync(SHOTS, { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

/** A word no demo product has, so a search finds only what a scenario made. */
function uniqueWord(): string {
  return `zq${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
}

/** What an anonymous shopper's search for `words` lists on the home page, re-asked until `expected` or the timeout. */
async function expectShopSearch(browser: Browser, words: string, expected: (shop: Page) => Promise<unknown>) {
  const shopper = await browser.newContext();
  const shop = await shopper.newPage();
  await expect(async () => {
    await shop.goto(`/?q=${encodeURIComponent(words)}`);
    await expected(shop);
  }).toPass({ timeout: 10_000, intervals: [250, 500, 1000] });
  await shopper.close();
}

test("an admin creates a product, reprices and archives it, and the shop follows within seconds", async ({ page, browser }) => {
  const word = uniqueWord();
  const name = `Walnut Spoon ${word}`;
  const sku = `E2E-${word}`.toUpperCase();

  await signInAsAdmin(page, "/admin");
  await expect(page).toHaveURL(/\/admin\/products$/);
  await expect(page.getByRole("heading", { level: 1, name: "Products" })).toBeVisible();
  await expect(page.getByTestId("admin-name")).toHaveText(/\S/);
  await expect(page.getByTestId("admin-product-row").first()).toBeVisible();
  await expectAccessible(page, "the admin product list");
  await shot(page, "products-list");
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, "products-list-mobile");
  await page.setViewportSize({ width: 1280, height: 900 });

  // Create: an invalid slug is refused by the API, and its message stands beside the slug.
  await page.getByRole("link", { name: "New product" }).click();
  await expect(page).toHaveURL(/\/admin\/products\/new$/);
  await page.getByLabel("SKU").fill(sku);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Slug").fill("Not A Slug!");
  await page.getByLabel("Description").fill("Carved from one piece of walnut.");
  await page.getByLabel("Category").selectOption({ label: "Kitchen" });
  await page.getByLabel("Price (USD)").fill("24.50");
  await page.getByLabel("Weight (grams)").fill("60");
  await page.getByLabel("Initial stock").fill("15");
  await page.getByLabel("Status").selectOption("active");
  await page.getByRole("button", { name: "Add attribute" }).click();
  await page.getByLabel("Attribute 1 name").fill("material");
  await page.getByLabel("Attribute 1 value").fill("walnut");
  await page.getByRole("button", { name: "Create product" }).click();
  await expect(page.locator("#slug-error")).toContainText("lower-case letters");
  await expect(page.getByLabel("Slug")).toHaveAttribute("aria-invalid", "true");
  await shot(page, "product-new-invalid");
  await page.getByLabel("Slug").fill("");
  await page.getByRole("button", { name: "Create product" }).click();

  await expect(page).toHaveURL(/\/admin\/products\/[0-9a-f-]{36}\?created=1$/);
  const productId = new URL(page.url()).pathname.split("/").pop() ?? "";
  await expect(page.getByText("Product created")).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
  await expect(page.getByLabel("Price (USD)")).toHaveValue("24.50");
  await expect(page.getByLabel("Attribute 1 value")).toHaveValue("walnut");
  await expect(page.getByLabel("Category")).toHaveValue(/[0-9a-f-]{36}/);
  await expectAccessible(page, "the product edit form");
  await shot(page, "product-edit");

  // The shop finds it by name, at its price.
  const card = (shop: Page) => shop.getByRole("list", { name: "Products" }).getByRole("listitem").filter({ hasText: name });
  await expectShopSearch(browser, name, async (shop) => {
    await expect(card(shop).getByTestId("price")).toHaveText("$24.50", { timeout: 1000 });
  });

  // A new price reaches the shop.
  await page.getByLabel("Price (USD)").fill("19.75");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Changes saved")).toBeVisible();
  await expectShopSearch(browser, name, async (shop) => {
    await expect(card(shop).getByTestId("price")).toHaveText("$19.75", { timeout: 1000 });
  });

  // Archived, it leaves the shop's search.
  await page.getByRole("button", { name: "Archive" }).click();
  await expect(page.getByTestId("form-notice")).toContainText("Archived");
  await expect(page.getByTestId("product-status").first()).toHaveAttribute("data-status", "archived");
  await expectShopSearch(browser, name, async (shop) => {
    await expect(shop.getByRole("heading", { name: `No products match “${name}”` })).toBeVisible({ timeout: 1000 });
  });

  // The admin lists archived products and finds it there.
  await page.goto("/admin/products");
  await page.getByRole("searchbox", { name: "Search" }).fill(word);
  await page.getByLabel("Status").selectOption("archived");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(new RegExp(`/admin/products\\?q=${word}&status=archived$`));
  const row = page.getByTestId("admin-product-row").filter({ hasText: name });
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId("product-status")).toHaveText("Archived");
  await expect(row).toContainText(sku);
  await expect(row).toContainText("$19.75");
  await expect(page.getByTestId("admin-product-row")).toHaveCount(1);
  await shot(page, "products-archived");

  // Its SKU is taken now: a second product with it is refused, and the form says so.
  await page.goto("/admin/products/new");
  await page.getByLabel("SKU").fill(sku);
  await page.getByLabel("Name", { exact: true }).fill(`${name} again`);
  await page.getByLabel("Price (USD)").fill("5");
  await page.getByLabel("Weight (grams)").fill("10");
  await page.getByRole("button", { name: "Create product" }).click();
  await expect(page.getByTestId("form-notice")).toContainText("Already taken");
  await expect(page).toHaveURL(/\/admin\/products\/new$/);

  // Deleted, it is listed among the deleted ones.
  await page.goto(`/admin/products/${productId}`);
  await page.getByRole("button", { name: "Delete…" }).click();
  await page.getByRole("button", { name: "Yes, delete it" }).click();
  await expect(page).toHaveURL(/\/admin\/products\?status=deleted$/);
  await expect(page.getByTestId("admin-product-row").filter({ hasText: name })).toHaveCount(1);
});

test("an admin adds pictures to a new product, and shoppers see them in search and on its page", async ({ page, browser }) => {
  const word = uniqueWord();
  const name = `Walnut Bowl ${word}`;

  await signInAsAdmin(page, "/admin/products/new");
  await expect(page.getByText("Pictures are added on the next screen")).toBeVisible();
  await page.getByLabel("SKU").fill(`E2E-PIC-${word}`.toUpperCase());
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Price (USD)").fill("38");
  await page.getByLabel("Weight (grams)").fill("450");
  await page.getByLabel("Initial stock").fill("9");
  await page.getByLabel("Status").selectOption("active");
  await page.getByRole("button", { name: "Create product" }).click();
  await expect(page).toHaveURL(/\/admin\/products\/[0-9a-f-]{36}\?created=1$/);
  const productId = new URL(page.url()).pathname.split("/").pop() ?? "";

  const pictures = page.getByRole("region", { name: "Pictures" });
  const upload = pictures.getByRole("form", { name: "Add a picture" });
  const fileInput = upload.getByLabel("Picture", { exact: true });
  await expect(pictures.getByText("No pictures yet")).toBeVisible();

  // Too large for the API: refused before anything is sent.
  await fileInput.setInputFiles({ name: "huge.png", mimeType: "image/png", buffer: Buffer.alloc(10 * 1024 * 1024 + 1) });
  await expect(upload.locator("#picture-file-error")).toHaveText("“huge.png” is 10.1 MB; a picture can be at most 10 MB.");
  // Not a picture at all: the API reads the content and refuses it (415).
  await fileInput.setInputFiles({ name: "notes.png", mimeType: "image/png", buffer: Buffer.from("just some words") });
  await upload.getByRole("button", { name: "Upload picture" }).click();
  await expect(pictures.getByRole("alert")).toContainText("The file is not an image");
  // Too small to show well: the API's field error stands beside the file input (422).
  await fileInput.setInputFiles({ name: "tiny.png", mimeType: "image/png", buffer: pngPicture(32, 32) });
  await upload.getByRole("button", { name: "Upload picture" }).click();
  await expect(upload.locator("#picture-file-error")).toHaveText(/The file is 32×32 pixels; at least 64/);
  await expect(fileInput).toHaveAttribute("aria-invalid", "true");
  await expect(pictures.getByTestId("gallery-item")).toHaveCount(0);

  await fileInput.setInputFiles({ name: "bowl.png", mimeType: "image/png", buffer: pngPicture(640, 480) });
  await upload.getByLabel("Alt text").fill("A walnut bowl, seen from above");
  await upload.getByRole("button", { name: "Upload picture" }).click();
  await expect(pictures.getByText("Picture added")).toBeVisible();
  await expect(pictures.getByTestId("gallery-item")).toHaveCount(1);
  await expect(pictures.getByTestId("picture-alt")).toHaveText("A walnut bowl, seen from above");
  await expectPictureLoaded(pictures.getByRole("img", { name: "A walnut bowl, seen from above" }));
  await fileInput.setInputFiles({ name: "side.png", mimeType: "image/png", buffer: pngPicture(480, 640) });
  await upload.getByRole("button", { name: "Upload picture" }).click();
  await expect(pictures.getByTestId("gallery-item")).toHaveCount(2);
  await expect(pictures.getByTestId("picture-alt").nth(1)).toContainText("No alt text");
  await expectAccessible(page, "the product edit screen with pictures");
  await shot(page, "product-pictures");

  // A shopper's search finds it with its cover, served from the shop's own origin.
  await expectShopSearch(browser, name, async (shop) => {
    const card = shop.getByRole("list", { name: "Products" }).getByRole("listitem").filter({ hasText: name });
    const cover = card.getByRole("img", { name: "A walnut bowl, seen from above" });
    await expect(cover).toHaveAttribute("src", /^\/api\/v1\/images\/[0-9a-f-]{36}\/card\.(jpg|png)$/, { timeout: 1000 });
    await expectPictureLoaded(cover);
  });

  // Its page shows the cover large; the thumbnails switch pictures, and say which is shown.
  const shopper = await browser.newContext();
  const shop = await shopper.newPage();
  await shop.goto(`/products/${productId}`);
  const large = shop.getByTestId("gallery-picture");
  await expect(large).toHaveAttribute("alt", "A walnut bowl, seen from above");
  await expect(large).toHaveAttribute("src", /\/large\.(jpg|png)$/);
  await expectPictureLoaded(large);
  const thumbnails = shop.getByRole("list", { name: "Pictures" }).getByRole("button");
  await expect(thumbnails).toHaveCount(2);
  await expect(thumbnails.nth(0)).toHaveAttribute("aria-pressed", "true");
  await thumbnails.nth(1).focus();
  await shop.keyboard.press("Enter");
  await expect(thumbnails.nth(1)).toHaveAttribute("aria-pressed", "true");
  await expect(thumbnails.nth(0)).toHaveAttribute("aria-pressed", "false");
  await expect(large).toHaveAttribute("alt", name);
  await expectPictureLoaded(large);
  await expectAccessible(shop, "the product page with a gallery");
  await shot(shop, "product-gallery");

  // The picture's address answers with year-long caching, and a browser's copy with 304.
  const address = (await large.getAttribute("src")) ?? "";
  const first = await shop.request.get(address);
  expect(first.status()).toBe(200);
  expect(first.headers()["content-type"]).toMatch(/^image\/(jpeg|png)$/);
  expect(first.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
  const etag = first.headers()["etag"] ?? "";
  expect(etag).not.toBe("");
  const again = await shop.request.get(address, { headers: { "if-none-match": etag } });
  expect(again.status()).toBe(304);
  expect((await shop.request.get(address.replace(/large\.\w+$/, "huge.jpg"))).status()).toBe(404);
  await shopper.close();

  // Removing asks first; the gallery keeps the other picture, which becomes the cover.
  await pictures.getByRole("button", { name: "Remove… picture 1" }).click();
  await pictures.getByRole("button", { name: "Cancel" }).click();
  await expect(pictures.getByTestId("gallery-item")).toHaveCount(2);
  await pictures.getByRole("button", { name: "Remove… picture 1" }).click();
  await pictures.getByRole("button", { name: "Yes, remove it" }).click();
  await expect(pictures.getByText("Picture removed")).toBeVisible();
  await expect(pictures.getByTestId("gallery-item")).toHaveCount(1);
  await expect(pictures.getByTestId("picture-alt")).toContainText("No alt text");
  await page.reload();
  await expect(page.getByRole("region", { name: "Pictures" }).getByTestId("gallery-item")).toHaveCount(1);
});

test("an admin adds a category under Kitchen, moves it to the top, and cannot put Kitchen inside its child", async ({ page }) => {
  const ctx = await api();
  const tree = (await (await ctx.get("/api/v1/categories")).json()) as { items: { id: string; slug: string }[] };
  await ctx.dispose();
  const kitchen = tree.items.find((c) => c.slug === "kitchen");
  const cookware = tree.items.find((c) => c.slug === "cookware");
  if (!kitchen || !cookware) throw new Error("the demo catalog has Kitchen and Cookware");

  const name = `Spice Racks ${uniqueWord()}`;
  await signInAsAdmin(page, "/admin/categories");
  await expect(page.getByRole("heading", { level: 1, name: "Categories" })).toBeVisible();

  const add = page.getByRole("form", { name: "Add a category" });
  await add.getByLabel("Name").fill(name);
  await add.getByLabel("Parent").selectOption(kitchen.id);
  await add.getByRole("button", { name: "Add category" }).click();
  await expect(page.getByText(`Added “${name}”.`)).toBeVisible();
  const row = page.getByTestId("category-row").filter({ hasText: name });
  await expect(row).toHaveAttribute("data-depth", "1");
  await expect(row).toContainText("kitchen/spice-racks-");

  await row.getByRole("button", { name: `Edit ${name}` }).click();
  const edit = page.getByRole("form", { name: `Edit ${name}` });
  await edit.getByLabel("Parent").selectOption("");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText(`Saved “${name}”.`)).toBeVisible();
  await expect(row).toHaveAttribute("data-depth", "0");
  await expect(row).not.toContainText("kitchen/");

  const kitchenRow = page.getByTestId("category-row").filter({ has: page.getByRole("button", { name: "Edit Kitchen", exact: true }) });
  await kitchenRow.getByRole("button", { name: "Edit Kitchen", exact: true }).click();
  const editKitchen = page.getByRole("form", { name: "Edit Kitchen" });
  await editKitchen.getByLabel("Parent").selectOption(cookware.id);
  await editKitchen.getByRole("button", { name: "Save" }).click();
  await expect(editKitchen.locator(`#edit-${kitchen.id}-parent-error`)).toHaveText(/cannot be moved inside itself/);
  await expect(editKitchen.getByRole("alert").first()).toContainText("We couldn't save the category");
  await shot(page, "categories-refused");
  await expectAccessible(page, "the categories screen");
  await page.reload();
  await expect(page.getByTestId("category-row").filter({ hasText: "kitchen/cookware" })).toHaveAttribute("data-depth", "1");
});

test("a customer gets the admins-only page, and a visitor is sent to sign in first", async ({ page }) => {
  await page.goto("/admin/products?status=draft");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fadmin%2Fproducts%3Fstatus%3Ddraft$/);
  await signIn(page, CUSTOMER);
  await expect(page).toHaveURL(/\/admin\/products\?status=draft$/);
  await expect(page.getByRole("heading", { name: "Admins only" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Emporium admin" })).toHaveCount(0);
  await expect(page.getByRole("table")).toHaveCount(0);
  await shot(page, "forbidden");

  // Every admin screen, reached directly, answers the same, with status 403.
  for (const path of ["/admin", "/admin/products?status=draft", "/admin/products/new", "/admin/categories", "/admin/shipments"]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(403);
    await expect(page.getByRole("heading", { name: "Admins only" })).toBeVisible();
  }
  await expect(page.getByRole("form", { name: "Add a category" })).toHaveCount(0);

  // The BFF carries the customer's own token, which the API refuses for admin writes.
  const created = await page.request.post("/bff/api/v1/products", {
    data: { sku: "NOPE-1", name: "Nope", price: { amount_minor: 100, currency: "USD" }, weight_grams: 1 },
  });
  expect(created.status()).toBe(403);
  expect((await page.request.get("/bff/api/v1/shipments")).status()).toBe(403);
});
