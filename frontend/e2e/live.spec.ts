import { type Page, expect, test } from "@playwright/test";
import { addToCart, checkout, expectOrderStatus, registerViaUi, roomyProducts } from "./support";

/** Records every time the order page re-reads the order (its polling fallback). */
function countPolls(page: Page): string[] {
  const polls: string[] = [];
  page.on("request", (request) => {
    if (/^\/bff\/api\/v1\/orders\/[0-9a-f-]+$/.test(new URL(request.url()).pathname)) polls.push(request.url());
  });
  return polls;
}

// The e2e backend's card gateway answers after a delay (e2e/start-backend.sh), so each
// order is still in progress when its page opens.

test("the order page follows the saga live, with no polling while the stream is open", async ({ page }) => {
  const [product] = await roomyProducts(1);
  if (!product) throw new Error("need a product");
  const polls = countPolls(page);
  await registerViaUi(page, "Live Shopper");
  await addToCart(page, product.id, 1);

  await checkout(page);
  await expect(page.getByTestId("order-status")).not.toHaveAttribute("data-status", "completed");
  await expectOrderStatus(page, "completed");

  expect(polls, "the page never re-read the order: the stream carried every update").toEqual([]);
});

test("when the live stream fails, the order page polls and still completes", async ({ page }) => {
  const [product] = await roomyProducts(1);
  if (!product) throw new Error("need a product");
  await page.route("**/bff/orders/*/live", (route) => route.abort());
  const polls = countPolls(page);
  await registerViaUi(page, "Polling Shopper");
  await addToCart(page, product.id, 1);

  await checkout(page);
  await expectOrderStatus(page, "completed");

  expect(polls.length, "the page fell back to polling").toBeGreaterThan(0);
});
