import { createHmac } from "node:crypto";
import { type APIRequestContext, type Page, expect, test } from "@playwright/test";
import {
  CARRIER_SECRET,
  addToCart,
  api,
  checkout,
  expectAccessible,
  expectOrderStatus,
  registerViaUi,
  roomyProducts,
  screenshot,
  signInAsAdmin,
} from "./support";

interface CarrierUpdate {
  event_id: string;
  tracking_number: string;
  status: "in_transit" | "delivered" | "returned";
  location?: string;
}

/** Sends an update as the carrier does: signed over "{timestamp}.{body}" with the shared secret. */
function sendCarrierUpdate(ctx: APIRequestContext, update: CarrierUpdate, secret = CARRIER_SECRET) {
  const body = JSON.stringify(update);
  const timestamp = Math.floor(Date.now() / 1000);
  const digest = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return ctx.post("/api/v1/webhooks/carrier", {
    headers: { "content-type": "application/json", "carrier-timestamp": String(timestamp), "carrier-signature": `v1=${digest}` },
    data: body,
  });
}

/** The customer's order page after a reload, once its parcel's latest step reads `expected`. */
async function expectLatestStep(page: Page, expected: string | RegExp) {
  const latest = page.getByRole("list", { name: "Parcel journey" }).locator('[aria-current="step"]');
  await expect(async () => {
    await page.reload();
    await expect(latest).toContainText(expected, { timeout: 1000 });
  }).toPass({ timeout: 15_000, intervals: [250, 500, 1000] });
  return latest;
}

test("an admin ships a customer's parcel, and the carrier's signed updates bring it to the door", async ({ page, browser }) => {
  const [product] = await roomyProducts(1);
  if (!product) throw new Error("need a product");
  await registerViaUi(page, "Parcel Shopper");
  await addToCart(page, product.id, 1);
  const orderId = await checkout(page);
  await expectOrderStatus(page, "completed");
  const tracking = page.getByRole("region", { name: "Tracking" });
  await expect(tracking.getByRole("list", { name: "Parcel journey" }).locator('[aria-current="step"]')).toContainText("Shipment booked");
  await expect(tracking.getByTestId("tracking-number")).toHaveCount(0);
  const order = (await (await page.request.get(`/bff/api/v1/orders/${orderId}`)).json()) as { shipment_id: string };
  const shortId = orderId.replace(/-/g, "").slice(-8).toUpperCase();

  // The admin finds it among the parcels to ship.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signInAsAdmin(admin, "/admin/shipments");
  await expect(admin.getByRole("heading", { level: 1, name: "Shipments" })).toBeVisible();
  await admin.getByRole("navigation", { name: "Shipment status" }).getByRole("link", { name: "To ship" }).click();
  await expect(admin).toHaveURL(/\/admin\/shipments\?status=created$/);
  await expect(admin.getByRole("link", { name: "To ship" })).toHaveAttribute("aria-current", "page");
  const row = admin.locator(`[data-testid="shipment-row"][data-order-id="${orderId}"]`);
  await expect(row.getByTestId("shipment-status")).toHaveText("To ship");
  await expect(row).toContainText("Springfield, United States");
  await expect(row.getByRole("link", { name: `#${shortId}` })).toHaveAttribute("href", `/orders/${orderId}`);
  await expectAccessible(admin, "the admin shipment list");
  await screenshot(admin, "admin-shipments");

  // A tracking number the API refuses: its message stands beside the field.
  await row.getByRole("button", { name: `Mark shipped… order #${shortId}` }).click();
  const form = admin.getByRole("form", { name: `Mark order #${shortId} shipped` });
  await expect(form.getByLabel("Carrier")).toBeFocused();
  await form.getByLabel("Carrier").fill("Parcelway");
  await form.getByLabel("Tracking number").fill("no!");
  await form.getByRole("button", { name: "Mark shipped" }).click();
  await expect(form.locator(`#ship-${order.shipment_id}-tracking-error`)).toHaveText("Must be 6 to 40 letters, digits or -.");
  await expect(form.getByLabel("Tracking number")).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByRole("alert").first()).toContainText("We couldn't mark it shipped");
  await expectAccessible(admin, "the mark-shipped form with an error");
  await screenshot(admin, "admin-ship-refused");

  // Left empty, the API makes a tracking number; the row shows it at once.
  await form.getByLabel("Tracking number").fill("");
  await form.getByRole("button", { name: "Mark shipped" }).click();
  await expect(form).toHaveCount(0);
  await expect(row.getByTestId("shipment-status")).toHaveText("Shipped");
  const trackingNumber = (await row.getByTestId("shipment-tracking").textContent()) ?? "";
  expect(trackingNumber).toMatch(/^EMP[0-9A-F]{16}$/);
  await expect(row).toContainText("Parcelway");
  await expect(admin.getByTestId("ship-outcome")).toContainText(`Order #${shortId} is shipped with Parcelway, tracking number ${trackingNumber}.`);
  // Shipping it twice is refused, whoever asks.
  const again = await admin.request.post(`/bff/api/v1/shipments/${order.shipment_id}/ship`, { data: { carrier: "Parcelway" } });
  expect(again.status()).toBe(409);
  expect(((await again.json()) as { detail: string }).detail).toContain("cannot be shipped now");
  await admin.getByRole("link", { name: "Shipped", exact: true }).click();
  await expect(admin).toHaveURL(/\/admin\/shipments\?status=shipped$/);
  await expect(row.getByTestId("shipment-tracking")).toHaveText(trackingNumber);
  await adminContext.close();

  // The customer sees who carries it, under which number.
  await expectLatestStep(page, "Shipped");
  await expect(tracking.getByTestId("carrier")).toHaveText("Parcelway");
  await expect(tracking.getByTestId("tracking-number")).toHaveText(trackingNumber);

  // The carrier: an unsigned update (or one signed with another secret) changes nothing.
  const carrier = await api();
  const inTransit: CarrierUpdate = { event_id: `e2e-${orderId}-1`, tracking_number: trackingNumber, status: "in_transit", location: "Leeds depot" };
  const unsigned = await carrier.post("/api/v1/webhooks/carrier", {
    headers: { "content-type": "application/json", "carrier-timestamp": String(Math.floor(Date.now() / 1000)) },
    data: JSON.stringify(inTransit),
  });
  expect(unsigned.status()).toBe(401);
  expect((await sendCarrierUpdate(carrier, inTransit, "someone-else-entirely-0123456789abcdef")).status()).toBe(401);

  const scanned = await sendCarrierUpdate(carrier, inTransit);
  expect(scanned.status(), await scanned.text()).toBe(200);
  expect(await scanned.json()).toEqual({ shipment_id: order.shipment_id, applied: true });
  // Carriers resend: the same event is answered again and applied once.
  expect(await (await sendCarrierUpdate(carrier, inTransit)).json()).toEqual({ shipment_id: order.shipment_id, applied: false });
  const latest = await expectLatestStep(page, "In transit");
  await expect(latest.getByTestId("journey-location")).toHaveText("Leeds depot");
  await expect(page.getByRole("list", { name: "Parcel journey" }).getByTestId("journey-step")).toHaveCount(4);
  await expectAccessible(page, "the order page with a parcel in transit");
  await screenshot(page, "order-tracking");

  const delivered = await sendCarrierUpdate(carrier, { event_id: `e2e-${orderId}-2`, tracking_number: trackingNumber, status: "delivered" });
  expect(delivered.status(), await delivered.text()).toBe(200);
  await carrier.dispose();
  await expectLatestStep(page, "Delivered");
  await expect(page.getByRole("list", { name: "Parcel journey" }).locator('[data-state="upcoming"]')).toHaveCount(0);
  // The order follows its parcel (the API records it a moment later).
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("order-status")).toHaveText("Delivered", { timeout: 1000 });
  }).toPass({ timeout: 15_000, intervals: [250, 500, 1000] });
  await expect(page.getByText("Your order has been delivered.")).toBeVisible();
  const moments = page.getByRole("list", { name: "Order history" }).getByTestId("timeline-moment");
  // The card was charged once the parcel left: Payments' news, which may come before or after the carrier's.
  await expect(moments.filter({ hasText: "Card charged" })).toContainText("USD charged to the card");
  const history = moments.filter({ hasNotText: "Card charged" });
  await expect(history.nth(5)).toContainText("Handed to the carrier");
  await expect(history.nth(5)).toContainText(trackingNumber);
  await expect(history.nth(6)).toContainText("On its way");
  await expect(history.nth(6)).toContainText("Leeds depot");
  await expect(history.last()).toContainText("Delivered");
  await screenshot(page, "order-delivered");
});

test("an admin cancels an order whose parcel is on its way: the carrier brings it back and its items return to stock", async ({ page, browser }) => {
  const [product] = await roomyProducts(1);
  if (!product) throw new Error("need a product");
  await registerViaUi(page, "Returned Shopper");
  await addToCart(page, product.id, 1);
  const orderId = await checkout(page);
  await expectOrderStatus(page, "completed");
  const order = (await (await page.request.get(`/bff/api/v1/orders/${orderId}`)).json()) as { shipment_id: string };
  const trackingNumber = `PW-RTS-${orderId.replace(/-/g, "").slice(-8).toUpperCase()}`;

  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signInAsAdmin(admin, `/admin/orders/${orderId}`);
  const onHand = async () =>
    ((await (await admin.request.get(`/bff/api/v1/inventory/${product.id}`)).json()) as { on_hand: number }).on_hand;
  const onHandBefore = await onHand();
  const shipped = await admin.request.post(`/bff/api/v1/shipments/${order.shipment_id}/ship`, {
    data: { carrier: "Parcelway", tracking_number: trackingNumber },
  });
  expect(shipped.status()).toBe(200);
  // The item leaves the shelf with the parcel, once Inventory hears of it from Shipping.
  const onHandAway = onHandBefore - 1;
  await expect.poll(onHand, { message: "the item left with the parcel" }).toBe(onHandAway);

  // The shopper can no longer cancel a parcel that has left.
  await expectLatestStep(page, "Shipped");
  await expect(page.getByRole("button", { name: "Cancel order" })).toHaveCount(0);

  // The shop can: the parcel is returned to sender.
  await admin.reload();
  await expect(admin.getByTestId("shipment-status")).toHaveText("Shipped");
  await admin.getByRole("button", { name: "Cancel and return to sender" }).click();
  const dialog = admin.getByRole("dialog", { name: /^Cancel order #/ });
  await expect(dialog).toContainText("the carrier is asked to bring it back");
  await dialog.getByLabel("Reason").fill("Sent to the wrong address");
  await expectAccessible(admin, "the return-to-sender dialog");
  await screenshot(admin, "admin-return-to-sender-dialog", false);
  await dialog.getByRole("button", { name: "Cancel order" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(async () => {
    await admin.reload();
    await expect(admin.getByTestId("shipment-status")).toHaveText("Returning", { timeout: 1_000 });
    await expect(admin.getByTestId("order-status")).toHaveAttribute("data-status", "cancelled", { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  // Given back in full: refunded if the card was charged as the parcel left, the hold released if not yet.
  const panel = admin.getByRole("region", { name: "Payment" });
  await expect(async () => {
    await admin.reload();
    await expect(panel.getByTestId("payment-status")).toHaveText(/^(Refunded|Hold released)$/, { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(admin.getByRole("button", { name: /^Cancel/ })).toHaveCount(0);
  await screenshot(admin, "admin-order-returning");
  expect(await onHand(), "the items are still with the carrier").toBe(onHandAway);

  // The customer sees the parcel head back.
  const latest = await expectLatestStep(page, "On its way back to us");
  await expect(latest).toBeVisible();
  const moments = page.getByRole("list", { name: "Order history" }).getByTestId("timeline-moment");
  await expect(moments.filter({ hasText: "Parcel called back" })).toContainText("the carrier is bringing it back");
  await expect(page.getByTestId("cancellation-reason")).toContainText("Sent to the wrong address");
  await expect(page.getByTestId("undone")).toContainText("the carrier is bringing it back to us");
  await expect(moments.filter({ hasText: "Items released" }), "the items left with the parcel").toHaveCount(0);

  // The carrier brings it back: the items are on hand again.
  const carrier = await api();
  const back = await sendCarrierUpdate(carrier, { event_id: `e2e-${orderId}-back`, tracking_number: trackingNumber, status: "returned" });
  expect(back.status(), await back.text()).toBe(200);
  await carrier.dispose();
  await expectLatestStep(page, "Back with us");
  await expect(page.getByRole("list", { name: "Parcel journey" }).locator('[data-state="upcoming"]')).toHaveCount(0);
  await expect(async () => {
    await page.reload();
    await expect(moments.filter({ hasText: "Parcel returned" })).toHaveCount(1, { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(async () => expect(await onHand()).toBe(onHandAway + 1)).toPass({ timeout: 15_000 });
  await expectAccessible(page, "an order returned to sender");
  await screenshot(page, "order-returned-to-sender");
  await adminContext.close();
});
