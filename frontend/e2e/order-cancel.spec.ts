import { type Page, expect, test } from "@playwright/test";
import {
  type ApiProduct,
  addToCart,
  availableForSale,
  checkout,
  expectAccessible,
  expectOrderStatus,
  registerViaUi,
  roomyProducts,
  screenshot,
  signInAsAdmin,
} from "./support";

const used = new Set<string>();

/** "0000ABCD": how pages name an order, by the last 8 hex digits of its id. */
function shortId(id: string): string {
  return id.replace(/-/g, "").slice(-8).toUpperCase();
}

/** A new customer's completed order of `quantity` units of `product`, on its page. */
async function completedOrder(page: Page, product: ApiProduct, quantity: number, name: string): Promise<string> {
  await registerViaUi(page, name);
  await addToCart(page, product.id, quantity);
  const orderId = await checkout(page);
  await expectOrderStatus(page, "completed");
  return orderId;
}

/** The latest step of the order's parcel journey, on its page. */
function latestParcelStep(page: Page) {
  return page.getByRole("list", { name: "Parcel journey" }).locator('[aria-current="step"]');
}

test("a customer cancels a completed order before its parcel leaves, with a reason, and sees it cancelled and refunded", async ({ page }) => {
  const [product] = await roomyProducts(1, used);
  if (!product) throw new Error("need a product");
  const before = await availableForSale(product.id);
  const orderId = await completedOrder(page, product, 2, "Changed Mind");
  await expect(latestParcelStep(page)).toContainText("Shipment booked");
  const cancel = page.getByRole("button", { name: "Cancel order" });
  await expect(cancel).toBeVisible();
  await screenshot(page, "order-cancellable", false);

  // "Keep order" closes the dialog without cancelling, and the focus is back on the button.
  await cancel.click();
  const dialog = page.getByRole("dialog", { name: `Cancel order #${shortId(orderId)}?` });
  await expect(dialog.getByLabel("Reason")).toBeFocused();
  await dialog.getByRole("button", { name: "Keep order" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(cancel).toBeFocused();
  await expect(page.getByTestId("order-status")).toHaveAttribute("data-status", "completed");

  await cancel.click();
  await dialog.getByLabel("Reason").fill("Ordered the wrong size");
  await expectAccessible(page, "the cancel-order dialog");
  await screenshot(page, "order-cancel-dialog", false);
  await dialog.getByRole("button", { name: "Cancel order" }).click();
  await expect(dialog).toHaveCount(0);
  // The API answers at once; the cancellation (parcel, refund, stock) then runs in the background.
  await expect(page.getByTestId("order-status")).toHaveAttribute("data-status", "cancelling");
  await expect(page.getByTestId("order-outcome")).toBeFocused();
  await expect(cancel).toHaveCount(0);
  await screenshot(page, "order-cancelling", false);

  await expectOrderStatus(page, "cancelled");
  const outcome = page.getByTestId("order-outcome");
  await expect(outcome).toContainText("Order cancelled at your request");
  await expect(page.getByTestId("cancellation-reason")).toHaveText("Ordered the wrong size.");
  await expect(page.getByTestId("undone")).toContainText("Your payment was given back in full.");
  await expect(latestParcelStep(page)).toContainText("Cancelled");
  // The history says what happened, in order: the request with its reason, then what was undone.
  const history = page.getByRole("list", { name: "Order history" });
  await expect(history.getByTestId("timeline-moment").last()).toContainText("Order cancelled");
  await expect(history.getByTestId("timeline-moment").nth(5)).toContainText("Cancellation requested");
  await expect(history.getByTestId("timeline-moment").nth(5)).toContainText("Ordered the wrong size");
  await expect(history.getByTestId("timeline-moment").filter({ hasText: "Payment released" })).toContainText("Nothing was charged");
  await expect(history).toContainText("Items released");
  await expectAccessible(page, "a cancelled order");
  await screenshot(page, "order-cancelled");

  // The two units are on sale again.
  await expect.poll(() => availableForSale(product.id)).toBe(before);
  // Asking again changes nothing: the order keeps the first reason.
  const again = await page.request.post(`/bff/api/v1/orders/${orderId}/cancel`, { data: { reason: "twice" } });
  expect(again.status(), await again.text()).toBe(200);
  expect(((await again.json()) as { cancellation: unknown }).cancellation).toEqual({
    code: "cancelled_by_customer",
    message: "Ordered the wrong size",
  });
  // After a reload the page still says so, without offering to cancel.
  await page.reload();
  await expect(page.getByTestId("order-status")).toHaveText("Cancelled");
  await expect(page.getByTestId("cancellation-reason")).toHaveText("Ordered the wrong size.");
  await expect(cancel).toHaveCount(0);
});

test("an admin cancels a customer's order from the parcels waiting to ship, and the customer sees who cancelled it", async ({ page, browser }) => {
  const [product] = await roomyProducts(1, used);
  if (!product) throw new Error("need a product");
  const orderId = await completedOrder(page, product, 1, "Admin Cancelled");

  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signInAsAdmin(admin, "/admin/shipments?status=created");
  const row = admin.locator(`[data-testid="shipment-row"][data-order-id="${orderId}"]`);
  await expect(row.getByTestId("shipment-status")).toHaveText("To ship");
  const cancel = row.getByRole("button", { name: `Cancel… order #${shortId(orderId)}` });
  await cancel.click();
  const dialog = admin.getByRole("dialog", { name: `Cancel order #${shortId(orderId)}?` });
  await expect(dialog).toContainText("the customer's payment is given back in full");
  // A reason over 200 characters is refused beside the box, before anything is sent.
  await dialog.getByLabel("Reason").fill("x".repeat(201));
  await dialog.getByRole("button", { name: "Cancel order" }).click();
  await expect(dialog.locator("#cancel-reason-error")).toHaveText("Keep the reason to 200 characters or fewer.");
  await expect(dialog.getByLabel("Reason")).toHaveAttribute("aria-invalid", "true");
  await expectAccessible(admin, "the admin's cancel dialog with an error");
  await screenshot(admin, "admin-shipment-cancel-refused", false);

  await dialog.getByLabel("Reason").fill("Out of season");
  await dialog.getByRole("button", { name: "Cancel order" }).click();
  await expect(dialog).toHaveCount(0);
  // The API accepts at once; the row then follows the parcel until Shipping has called it back
  // ("being cancelled" meanwhile, which may be too brief to see).
  const outcome = admin.getByTestId("ship-outcome");
  await expect(outcome).toBeFocused();
  await expect(row.getByTestId("shipment-status")).toHaveText("Cancelled", { timeout: 30_000 });
  await expect(outcome).toContainText(`Order #${shortId(orderId)} is cancelled; its parcel will not ship.`);
  await expect(row.getByRole("button")).toHaveCount(0);
  await expectAccessible(admin, "the shipment list after a cancellation");
  await screenshot(admin, "admin-shipment-cancelled");
  // Cancelled parcels are listed under their own status.
  await admin.getByRole("navigation", { name: "Shipment status" }).getByRole("link", { name: "Cancelled" }).click();
  await expect(admin).toHaveURL(/\/admin\/shipments\?status=cancelled$/);
  await expect(row.getByTestId("shipment-status")).toHaveText("Cancelled");
  await adminContext.close();

  // The customer's page follows the order only while it is being placed: a reload shows it cancelled.
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("order-status")).toHaveText("Cancelled", { timeout: 1000 });
  }).toPass({ timeout: 15_000, intervals: [250, 500, 1000] });
  await expect(page.getByTestId("order-outcome")).toContainText("Order cancelled by the shop");
  await expect(page.getByTestId("cancellation-reason")).toHaveText("Out of season.");
  await expect(page.getByRole("button", { name: "Cancel order" })).toHaveCount(0);
});
