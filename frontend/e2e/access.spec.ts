import { expect, test } from "@playwright/test";
import { addToCart, api, apiToken, registerViaUi, roomyProducts, uniqueEmail } from "./support";

test("order pages need sign-in and never show another customer's order", async ({ page }) => {
  // Customer A places an order straight through the API.
  const ctx = await api();
  const [product] = await roomyProducts(1);
  if (!product) throw new Error("need a product");
  const emailA = uniqueEmail("owner");
  const token = await apiToken(ctx, emailA, "owner-password-1", "Order Owner");
  const auth = { authorization: `Bearer ${token}` };
  const card = await ctx.post("/api/v1/payment-methods", {
    headers: auth,
    data: { card_number: "4242424242424242", exp_month: 12, exp_year: 2040, cvc: "123", holder_name: "Order Owner" },
  });
  expect(card.status(), await card.text()).toBe(201);
  const { id: paymentMethodId } = (await card.json()) as { id: string };
  const placed = await ctx.post("/api/v1/orders", {
    headers: { ...auth, "idempotency-key": `e2e-${Date.now()}` },
    data: {
      lines: [{ product_id: product.id, quantity: 1 }],
      payment_method_id: paymentMethodId,
      shipping_address: { name: "Order Owner", line1: "1 Main St", city: "Springfield", postal_code: "12345", country: "US" },
    },
  });
  expect(placed.status(), await placed.text()).toBe(202);
  const { id: orderId } = (await placed.json()) as { id: string };
  await ctx.dispose();

  // Signed out: the order page sends the visitor to sign in first.
  await page.goto(`/orders/${orderId}`);
  await expect(page).toHaveURL(new RegExp(`/sign-in\\?next=${encodeURIComponent(`/orders/${orderId}`)}`));
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();

  // Customer B registers and is taken back to the order, which is not theirs.
  await page.getByRole("link", { name: "Create an account" }).click();
  await registerViaUiFromHere(page);
  await expect(page).toHaveURL(new RegExp(`/orders/${orderId}$`));
  await expect(page.getByRole("heading", { name: "Order not found" })).toBeVisible();

  // The owner signs in and sees it.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.goto(`/sign-in?next=/orders/${orderId}`);
  await page.getByLabel("Email").fill(emailA);
  await page.getByLabel("Password").fill("owner-password-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: /^Order #/ })).toBeVisible();
});

async function registerViaUiFromHere(page: import("@playwright/test").Page) {
  await expect(page).toHaveURL(/\/register\?next=/);
  await page.getByLabel("Full name").fill("Curious Customer");
  await page.getByLabel("Email").fill(uniqueEmail("curious"));
  await page.getByLabel("Password").fill("curious-password-1");
  await page.getByRole("button", { name: "Create account" }).click();
}

test("a signed-out visitor is asked to sign in before checkout", async ({ page }) => {
  await page.goto("/checkout");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fcheckout/);
});

test("a shopper stays signed in after the access token expires, until signing out", async ({ page, context }) => {
  await registerViaUi(page, "Returning Shopper");
  // The access cookie lasts 14 minutes; drop it as the browser then would.
  await context.clearCookies({ name: "emporium_session" });
  const before = (await context.cookies()).find((c) => c.name === "emporium_refresh");
  expect(before?.httpOnly, "the refresh token is kept out of scripts' reach").toBe(true);

  await page.goto("/orders");

  await expect(page).toHaveURL(/\/orders$/);
  await expect(page.getByTestId("account-name")).toHaveText("Returning Shopper");
  const after = await context.cookies();
  expect(after.find((c) => c.name === "emporium_session")?.value, "a new access token").toBeTruthy();
  expect(after.find((c) => c.name === "emporium_refresh")?.value, "the refresh token was rotated").not.toBe(before?.value);

  // Signing out revokes the sign-in: the refresh cookie, put back, signs nobody in.
  const rotated = after.find((c) => c.name === "emporium_refresh");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  if (!rotated) throw new Error("no refresh cookie");
  await context.addCookies([rotated]);
  await page.goto("/orders");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Forders/);
  expect((await context.cookies()).find((c) => c.name === "emporium_refresh"), "the dead cookie is cleared").toBeUndefined();
});

test("the shop runs whole under a nonce-based content policy", async ({ page }) => {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  const [product] = await roomyProducts(1);
  if (!product) throw new Error("need a product");

  const home = await page.goto("/");
  const policy = home?.headers()["content-security-policy"] ?? "";
  expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
  expect(policy).toContain("frame-ancestors 'none'");
  const again = await page.goto("/");
  expect(again?.headers()["content-security-policy"], "a fresh nonce for every page").not.toBe(policy);

  // Scripts run: the cart, a client component, works; the product art's styles apply.
  await addToCart(page, product.id, 1);
  await page.goto("/cart");
  await expect(page.getByRole("link", { name: "Go to checkout" })).toBeVisible();
  expect(violations, "nothing the page needs is blocked").toEqual([]);
});
