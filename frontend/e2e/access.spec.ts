import { expect, test } from "@playwright/test";
import { api, apiToken, roomyProducts, uniqueEmail } from "./support";

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
