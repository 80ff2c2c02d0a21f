import { expect, test } from "@playwright/test";
import { addToCart, expectAccessible, registerViaUi, roomyProducts, screenshot } from "./support";

test("shop pages have no serious accessibility problems", async ({ page }) => {
  const [product] = await roomyProducts(1);
  if (!product) throw new Error("need a product");
  await page.goto("/");
  await expectAccessible(page, "home");
  await page.goto("/sign-in");
  await expectAccessible(page, "sign-in");
  await screenshot(page, "sign-in");
  await registerViaUi(page);
  await addToCart(page, product.id, 1);
  await expectAccessible(page, "product");
  await page.goto("/cart");
  await expect(page.getByTestId("cart-line")).toHaveCount(1);
  await expectAccessible(page, "cart");
  await page.goto("/checkout");
  await expect(page.getByLabel("Card number")).toBeVisible();
  await expectAccessible(page, "checkout");
});

test("signing in works with the keyboard alone", async ({ page }) => {
  const { email, password } = await registerViaUi(page, "Keyboard User");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.goto("/sign-in");
  await page.getByLabel("Email").focus();
  await page.keyboard.type(email);
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Password")).toBeFocused();
  await page.keyboard.type(password);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("account-name")).toHaveText("Keyboard User");
});

test("a wrong password is explained in plain words", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill("customer@emporium.local");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  const alert = page.locator("#auth-error");
  await expect(alert).toContainText("We couldn't sign you in");
  await expect(alert).toContainText("Wrong email or password.");
  await expect(alert).toBeFocused();
});
