import { expect, test } from "@playwright/test";
import {
  addToCart,
  checkout,
  expectAccessible,
  expectOrderStatus,
  registerViaUi,
  roomyProducts,
  screenshot,
} from "./support";

/** Adds a card through the saved-cards page's form. */
async function addCard(page: import("@playwright/test").Page, number: string) {
  const form = page.getByRole("form", { name: "New card" });
  await form.getByLabel("Name on card").fill("Ada Lovelace");
  await form.getByLabel("Card number").fill(number);
  await form.getByLabel("CVC").fill("123");
  await form.getByRole("button", { name: "Save card" }).click();
}

test("a customer saves two cards, makes the second the default, removes the first and pays with the default", async ({ page }) => {
  const [product] = await roomyProducts(1, new Set());
  if (!product) throw new Error("need a product");
  await registerViaUi(page, "Ada Lovelace");

  await page.getByRole("link", { name: "Cards", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Saved cards" })).toBeVisible();
  await expect(page.getByText("No saved cards yet")).toBeVisible();

  const cards = page.getByTestId("saved-card");
  await addCard(page, "4242 4242 4242 4242");
  await expect(page.getByText("Visa •••• 4242 was saved.")).toBeVisible();
  await expect(cards).toHaveCount(1);
  await expect(cards.first().getByTestId("default-badge")).toBeVisible();

  // A number that fails the checksum never leaves the page.
  await addCard(page, "4242 4242 4242 4241");
  await expect(page.getByText("Please check the card number")).toBeVisible();
  await expect(cards).toHaveCount(1);

  // A card its issuer refuses when asked to authorise zero is not saved either.
  await addCard(page, "4000 0000 0000 0069");
  await expect(page.getByRole("alert").filter({ hasText: "Your card was not saved" })).toContainText("declined");
  await expect(cards).toHaveCount(1);

  await addCard(page, "5555 5555 5555 4444");
  await expect(cards).toHaveCount(2);
  await expect(cards.nth(1)).toContainText("Mastercard •••• 4444");
  await expect(cards.nth(1).getByTestId("default-badge")).toHaveCount(0);

  await page.getByRole("button", { name: "Make Mastercard •••• 4444 the default" }).click();
  await expect(page.getByText("Mastercard •••• 4444 is now your default card.")).toBeVisible();
  await expect(cards.nth(1).getByTestId("default-badge")).toBeVisible();
  await expect(cards.nth(0).getByTestId("default-badge")).toHaveCount(0);
  await screenshot(page, "saved-cards");
  await expectAccessible(page, "saved cards");

  // Removing asks first; keeping it changes nothing.
  await page.getByRole("button", { name: "Remove Visa •••• 4242" }).click();
  const dialog = page.getByRole("dialog", { name: "Remove Visa •••• 4242?" });
  await expect(dialog).toBeVisible();
  await screenshot(page, "saved-cards-remove");
  await dialog.getByRole("button", { name: "Keep it" }).click();
  await expect(cards).toHaveCount(2);
  await page.getByRole("button", { name: "Remove Visa •••• 4242" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Remove card" }).click();
  await expect(page.getByText("Visa •••• 4242 was removed.")).toBeVisible();
  await expect(cards).toHaveCount(1);
  await page.reload();
  await expect(cards).toHaveCount(1);
  await expect(cards.first()).toContainText("Mastercard •••• 4444");

  // Checkout offers the default card first and pays with it.
  await addToCart(page, product.id, 1);
  await page.goto("/checkout");
  const payWith = page.getByRole("radiogroup", { name: "Pay with" });
  await expect(payWith.getByRole("radio", { name: /Mastercard •••• 4444/ })).toBeChecked();
  await expect(payWith.getByRole("radio")).toHaveCount(2);
  await expect(page.getByLabel("Card number")).toHaveCount(0);
  await screenshot(page, "checkout-saved-card");
  await checkout(page, { savedCard: /Mastercard •••• 4444/ });
  await expectOrderStatus(page, "completed");

  // No second copy of the card was saved by paying with it.
  await page.goto("/account/cards");
  await expect(cards).toHaveCount(1);
});
