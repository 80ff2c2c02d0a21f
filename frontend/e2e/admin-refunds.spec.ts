import { expect, test } from "@playwright/test";
import {
  addToCart,
  checkout,
  expectAccessible,
  expectOrderStatus,
  registerViaUi,
  roomyProducts,
  screenshot,
  signInAsAdmin,
} from "./support";

test("an admin sees a payment held until its parcel leaves, then refunds part of the capture with a reason, and the customer sees it", async ({ page, browser }) => {
  const [product] = await roomyProducts(1, new Set());
  if (!product) throw new Error("need a product");
  await registerViaUi(page, "Refunded Shopper");
  await addToCart(page, product.id, 1);
  const orderId = await checkout(page);
  await expectOrderStatus(page, "completed");
  await expect(page.getByTestId("order-refund")).toHaveCount(0);

  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signInAsAdmin(admin, `/admin/orders/${orderId}`);
  const panel = admin.getByRole("region", { name: "Payment" });
  // Booked, not shipped: the total is held on the card, nothing is charged, so nothing can be refunded.
  await expect(panel.getByTestId("payment-status")).toHaveText("Authorized");
  await expect(panel.getByTestId("payment-captured")).toHaveText("$0.00");
  await expect(panel.getByTestId("payment-capture-note")).toContainText("charged when the parcel leaves");
  await expect(panel.getByRole("button", { name: "Refund…" })).toHaveCount(0);
  const charged = (await panel.getByTestId("payment-authorized").textContent()) ?? "";
  await screenshot(admin, "admin-payment-authorized", false);

  // The parcel leaves: the card is charged.
  const order = await (await admin.request.get(`/bff/api/v1/orders/${orderId}`)).json();
  const shipped = await admin.request.post(`/bff/api/v1/shipments/${order.shipment_id}/ship`, {
    data: { carrier: "Parcelway", tracking_number: `PW-${orderId.slice(0, 8)}` },
  });
  expect(shipped.status()).toBe(200);
  await expect(async () => {
    await admin.reload();
    await expect(panel.getByTestId("payment-status")).toHaveText("Captured", { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(panel.getByTestId("payment-captured")).toHaveText(charged);
  await expect(panel.getByTestId("payment-authorized")).toHaveText("$0.00");
  await expect(panel.getByTestId("payment-refunded")).toHaveText("$0.00");
  await expect(panel.getByTestId("payment-refundable")).toHaveText(charged);

  await panel.getByRole("button", { name: "Refund…" }).click();
  const dialog = admin.getByRole("dialog", { name: "Refund this order" });
  await expect(dialog.getByLabel("Amount (USD)")).toHaveValue(charged.replace("$", "").replace(",", ""));
  // Nothing goes without a reason, nor above what was charged.
  await dialog.getByLabel("Amount (USD)").fill("100000");
  await dialog.getByRole("button", { name: "Refund" }).click();
  await expect(dialog.getByText(`At most ${charged} can still be refunded.`)).toBeVisible();
  await expect(dialog.getByText("Say why: the customer sees it on their order.")).toBeVisible();
  await dialog.getByLabel("Amount (USD)").fill("5.00");
  await dialog.getByLabel("Reason").fill("The box arrived dented");
  await expectAccessible(admin, "the refund dialog");
  await screenshot(admin, "admin-refund-dialog", false);
  await dialog.getByRole("button", { name: "Refund" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(panel.getByText("$5.00 was refunded.")).toBeVisible();
  await expect(panel.getByTestId("payment-refunded")).toHaveText("$5.00");
  await expect(panel.getByTestId("payment-refund")).toContainText("The box arrived dented");
  // The order's history on the same page hears of it too, a moment later.
  const adminHistory = admin.getByRole("list", { name: "Order history" });
  await expect(adminHistory.getByTestId("timeline-moment").filter({ hasText: "5.00 USD given back" })).toHaveCount(1, {
    timeout: 15_000,
  });
  await screenshot(admin, "admin-order-refunded");
  // A parcel that left is no longer simply cancelled: the shop may only have it returned to sender.
  await expect(admin.getByRole("button", { name: "Cancel order" })).toHaveCount(0);
  await expect(admin.getByRole("button", { name: "Cancel and return to sender" })).toBeVisible();
  await adminContext.close();

  // The customer's order shows what came back, and why, in its sums and its history.
  const refund = page.getByTestId("order-refund");
  // Orders hears of the refund from Payments a moment after the admin saw it made.
  await expect(async () => {
    await page.reload();
    await expect(refund).toHaveCount(1, { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(refund).toHaveText("−$5.00");
  await expect(page.getByRole("row").filter({ has: refund })).toContainText("The box arrived dented");
  await expect(page.getByTestId("timeline-moment").filter({ hasText: "5.00 USD given back: The box arrived dented" })).toHaveCount(1);
  await expectAccessible(page, "an order with a refund");
  await screenshot(page, "order-part-refunded");
});

test("an admin cancels an order before its parcel leaves: the hold on the card is released and the cancellation's saga is shown", async ({ page, browser }) => {
  const [product] = await roomyProducts(1, new Set());
  if (!product) throw new Error("need a product");
  await registerViaUi(page, "Released Shopper");
  await addToCart(page, product.id, 1);
  const orderId = await checkout(page);
  await expectOrderStatus(page, "completed");

  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signInAsAdmin(admin, `/admin/orders/${orderId}`);
  const panel = admin.getByRole("region", { name: "Payment" });
  await expect(panel.getByTestId("payment-status")).toHaveText("Authorized");
  await admin.getByRole("button", { name: "Cancel order" }).click();
  const cancel = admin.getByRole("dialog", { name: /^Cancel order #/ });
  await cancel.getByLabel("Reason").fill("Out of stock at the warehouse");
  await cancel.getByRole("button", { name: "Cancel order" }).click();
  await expect(cancel).toHaveCount(0);
  await expect(async () => {
    await admin.reload();
    await expect(panel.getByTestId("payment-status")).toHaveText("Hold released", { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(panel.getByTestId("payment-captured")).toHaveText("$0.00");
  await expect(panel.getByTestId("payment-authorized")).toHaveText("$0.00");
  await expect(panel.getByTestId("payment-refunded")).toHaveText("$0.00");
  await expect(panel.getByRole("button", { name: "Refund…" })).toHaveCount(0);
  await expect(admin.getByRole("button", { name: "Cancel order" })).toHaveCount(0);
  // The cancellation's own saga, step by step, above the placing one.
  const cancellation = admin.getByRole("region", { name: "Cancellation saga history" });
  await expect(cancellation.getByTestId("saga-status")).toHaveText("Completed");
  await expect(cancellation.locator('[data-event="SagaStepSucceeded"]').first()).toBeVisible();
  await expect(admin.getByRole("region", { name: "Saga history", exact: true })).toBeVisible();
  await expectAccessible(admin, "a cancelled order's admin page");
  await screenshot(admin, "admin-order-cancelled");
  await adminContext.close();
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("order-status")).toHaveAttribute("data-status", "cancelled", { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(page.getByTestId("cancellation-reason")).toContainText("Out of stock at the warehouse");
  await expect(page.getByTestId("timeline-moment").filter({ hasText: "Payment released" })).toContainText("Nothing was charged");
});
