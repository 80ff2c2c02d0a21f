import { expect, test } from "@playwright/test";
import {
  DECLINED_CARD,
  addToCart,
  api,
  allProducts,
  checkout,
  expectAccessible,
  expectOrderStatus,
  quoteShipping,
  registerViaUi,
  roomyProducts,
  screenshot,
  usd,
} from "./support";

const used = new Set<string>();

test("a new customer registers, buys two products and sees the order complete with a shipment", async ({ page }) => {
  const [first, second] = await roomyProducts(2, used);
  if (!first || !second) throw new Error("need two products");

  await page.goto("/");
  await expect(page.getByRole("heading", { name: "All products" })).toBeVisible();
  await expect(page.getByRole("link", { name: first.name })).toBeVisible();
  await screenshot(page, "home");
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, "home-mobile", false);
  await page.setViewportSize({ width: 1280, height: 900 });

  await registerViaUi(page, "Grace Hopper");

  await addToCart(page, first.id, 2);
  await screenshot(page, "product");
  await addToCart(page, second.id, 1);
  await expect(page.getByTestId("cart-count")).toHaveText("3");

  await page.goto("/cart");
  await expect(page.getByTestId("cart-line")).toHaveCount(2);
  const items = first.price.amount_minor * 2 + second.price.amount_minor;
  await expect(page.getByTestId("cart-total")).toHaveText(usd(items));
  await screenshot(page, "cart");

  // The cart survives a reload (localStorage).
  await page.reload();
  await expect(page.getByTestId("cart-line")).toHaveCount(2);

  // Checkout starts on Standard shipping, at the price the API quotes (Free above the shop's threshold).
  const quote = await quoteShipping("US", [
    { product_id: first.id, quantity: 2 },
    { product_id: second.id, quantity: 1 },
  ]);
  expect(quote.items_value.amount_minor).toBe(items);
  const standard = quote.options.find((o) => o.service === "standard");
  if (!standard) throw new Error("the quote should offer Standard shipping to the US");
  await page.goto("/checkout");
  await expect(page.getByRole("radio", { name: /^Standard —/ })).toBeChecked();
  await expect(page.getByTestId("checkout-items")).toHaveText(usd(items));
  await expect(page.getByTestId("checkout-shipping")).toHaveText(standard.free ? "Free" : usd(standard.price.amount_minor));
  await expect(page.getByTestId("checkout-total")).toHaveText(usd(items + standard.price.amount_minor));

  await checkout(page, { country: "US", screenshotAs: "checkout" });
  await expectOrderStatus(page, "completed");
  await expect(page.getByText("Thank you! Your order is complete.")).toBeVisible();
  // The order's history, each moment with its time, as the events recorded them.
  await expect(page.getByRole("list", { name: "Order history" }).getByTestId("timeline-moment")).toHaveText([
    /^Order placed/,
    /^Items reserved/,
    /^Payment authorized/,
    /^Order confirmed/,
    /^Parcel booked/,
  ]);
  await expect(page.getByTestId("shipment-id")).toHaveText(/[0-9a-f-]{36}/);
  await expect(page.getByTestId("shipment-zone")).toHaveText("domestic");
  await expect(page.getByTestId("order-line")).toHaveCount(2);
  await expect(page.getByTestId("order-subtotal")).toHaveText(usd(items));
  await expect(page.getByTestId("order-shipping")).toHaveText(standard.free ? "Free" : usd(standard.price.amount_minor));
  await expect(page.getByTestId("order-total")).toHaveText(usd(items + standard.price.amount_minor));
  await expect(page.getByTestId("cart-count")).toHaveText("0");
  await screenshot(page, "order-completed");
  await expectAccessible(page, "order page");
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, "order-completed-mobile", false);
  await page.setViewportSize({ width: 1280, height: 900 });

  await page.getByRole("link", { name: "Orders", exact: true }).first().click();
  await expect(page.getByTestId("order-row")).toHaveCount(1);
  await expect(page.getByTestId("order-row").getByTestId("order-status")).toHaveText("Completed");
  await screenshot(page, "order-history");
});

test("checkout with Express shows the higher total", async ({ page }) => {
  const [product] = await roomyProducts(1, used);
  if (!product) throw new Error("need a product");
  const quote = await quoteShipping("US", [{ product_id: product.id, quantity: 1 }]);
  const standard = quote.options.find((o) => o.service === "standard");
  const express = quote.options.find((o) => o.service === "express");
  if (!standard || !express) throw new Error("the quote should offer Standard and Express to the US");
  expect(express.price.amount_minor).toBeGreaterThan(standard.price.amount_minor);
  const items = product.price.amount_minor;

  await registerViaUi(page);
  await addToCart(page, product.id, 1);
  await page.goto("/checkout");
  const options = page.getByTestId("shipping-option");
  await expect(options).toHaveCount(2);
  await expect(page.getByRole("radio", { name: /^Standard —/ })).toBeChecked();
  await expect(page.getByTestId("checkout-total")).toHaveText(usd(items + standard.price.amount_minor));

  // The radio reads as the shopper chooses it: service, price and delivery estimate.
  const days = `${express.min_days}\u2013${express.max_days} business days`;
  const expressRadio = page.getByRole("radio", { name: `Express — ${usd(express.price.amount_minor)} — ${days}` });
  await expressRadio.check();
  await expect(page.getByTestId("checkout-shipping")).toHaveText(usd(express.price.amount_minor));
  await expect(page.getByTestId("checkout-total")).toHaveText(usd(items + express.price.amount_minor));
  await expectAccessible(page, "checkout with shipping options");
  await screenshot(page, "checkout-express");

  // Placed with Express, the order is charged for it: items, Express, and their sum.
  await checkout(page, { shipping: "Express" });
  await expectOrderStatus(page, "completed");
  await expect(page.getByTestId("order-subtotal")).toHaveText(usd(items));
  await expect(page.getByRole("row", { name: /Shipping \(Express\)/ })).toBeVisible();
  await expect(page.getByTestId("order-shipping")).toHaveText(usd(express.price.amount_minor));
  await expect(page.getByTestId("order-total")).toHaveText(usd(items + express.price.amount_minor));
  await screenshot(page, "order-express");
});

test("a declined card cancels the order and releases the stock", async ({ page }) => {
  const [product] = await roomyProducts(1, used);
  if (!product) throw new Error("need a product");
  await registerViaUi(page);
  await addToCart(page, product.id, 1);
  await checkout(page, { card: DECLINED_CARD });
  await expectOrderStatus(page, "cancelled");
  await expect(page.getByTestId("order-outcome")).toContainText("Payment declined");
  await expect(page.getByTestId("undone")).toContainText("stock reserved for you was released");
  await screenshot(page, "order-declined");
});

test("ordering more than the stock cancels the order as out of stock", async ({ page }) => {
  const ctx = await api();
  const candidates = (await allProducts(ctx))
    .filter((p) => p.available > 0 && p.available < 100 && !used.has(p.id))
    .sort((a, b) => a.available - b.available);
  let product = candidates[0];
  if (!product) {
    // Every product has 100+ units: take some away as the admin so one line can exceed the stock.
    const pick = (await allProducts(ctx)).find((p) => p.available > 0 && !used.has(p.id));
    if (!pick) throw new Error("no product with stock");
    const login = await ctx.post("/api/v1/auth/login", {
      data: { email: "admin@emporium.local", password: "admin-password-1" },
    });
    const { access_token } = (await login.json()) as { access_token: string };
    const adjust = await ctx.post(`/api/v1/inventory/${pick.id}/adjustments`, {
      headers: { authorization: `Bearer ${access_token}` },
      data: { delta: -(pick.available - 5), reason: "correction", note: "e2e: make stock scarce" },
    });
    expect(adjust.ok(), await adjust.text()).toBeTruthy();
    product = { ...pick, available: 5 };
  }
  used.add(product.id);
  await ctx.dispose();

  await registerViaUi(page);
  await addToCart(page, product.id, product.available + 1);
  await checkout(page);
  await expectOrderStatus(page, "cancelled");
  await expect(page.getByTestId("order-outcome")).toContainText("Out of stock");
  await expect(page.getByTestId("undone")).toContainText("You have not been charged");
  await screenshot(page, "order-out-of-stock");
});

test("an address outside every shipping zone cancels the order and gives the payment back", async ({ page }) => {
  const [product] = await roomyProducts(1, used);
  if (!product) throw new Error("need a product");
  await registerViaUi(page);
  await addToCart(page, product.id, 1);
  // Checkout says so before the order is placed, and still lets it be placed.
  await page.goto("/checkout");
  await page.getByLabel("Country").selectOption("AQ");
  await expect(page.getByText("We don't ship to Antarctica")).toBeVisible();
  await expect(page.getByTestId("checkout-shipping")).toHaveText("Not available");
  await expect(page.getByTestId("checkout-total")).toHaveText(usd(product.price.amount_minor));
  await expect(page.getByRole("button", { name: "Place order" })).toBeEnabled();
  await screenshot(page, "checkout-no-shipping");
  await checkout(page, { country: "AQ" });
  await expect(page.getByTestId("order-shipping")).toHaveText("Not available");
  await expectOrderStatus(page, "cancelled");
  await expect(page.getByTestId("order-outcome")).toContainText("We can't ship to this address");
  await expect(page.getByTestId("undone")).toContainText("payment was given back");
  await screenshot(page, "order-refunded");
});
