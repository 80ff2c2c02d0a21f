import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import {
  DECLINED_CARD,
  addToCart,
  checkout,
  expectAccessible,
  expectOrderStatus,
  registerViaUi,
  roomyProducts,
  screenshot,
  signInAsAdmin,
} from "./support";

test("a customer narrows their orders by status, and an admin finds one by its number and exports it", async ({ page, browser }) => {
  const [product] = await roomyProducts(1, new Set());
  if (!product) throw new Error("need a product");
  const shopper = await registerViaUi(page, "Filter Shopper");
  await addToCart(page, product.id, 1);
  const kept = await checkout(page);
  await expectOrderStatus(page, "completed");
  await addToCart(page, product.id, 1);
  const declined = await checkout(page, { card: DECLINED_CARD });
  await expectOrderStatus(page, "cancelled");

  await page.getByRole("link", { name: "Orders", exact: true }).first().click();
  await expect(page.getByTestId("order-row")).toHaveCount(2);
  const filter = page.getByRole("form", { name: "Filter orders" });
  await filter.getByLabel("Status").selectOption("cancelled");
  await filter.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/status=cancelled/);
  await expect(page.getByTestId("order-row")).toHaveCount(1);
  await expect(page.getByTestId("order-row")).toContainText("Cancelled");
  await expectAccessible(page, "filtered order history");
  await screenshot(page, "orders-filtered");
  // Days the wrong way round are explained, and nothing is listed.
  await page.goto("/orders?placed_from=2026-12-10&placed_to=2026-12-01");
  await expect(page.getByText("Placed to must not be before the first day.")).toBeVisible();
  await filter.getByRole("link", { name: "Clear" }).click();
  await expect(page.getByTestId("order-row")).toHaveCount(2);

  // The admin finds the kept order by the number the customer sees, and exports it.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await signInAsAdmin(admin, "/admin/orders");
  await expect(admin.getByRole("heading", { name: "Orders" })).toBeVisible();
  const number = kept.replace(/-/g, "").slice(-8).toUpperCase();
  const adminFilter = admin.getByRole("form", { name: "Filter orders" });
  await adminFilter.getByLabel("Order number").fill(`#${number}`);
  await adminFilter.getByRole("button", { name: "Apply" }).click();
  const rows = admin.getByTestId("admin-order-row");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`#${number}`);
  await expect(rows.first()).toContainText("Completed");
  await expectAccessible(admin, "admin orders");
  await screenshot(admin, "admin-orders");
  const [download] = await Promise.all([admin.waitForEvent("download"), admin.getByRole("link", { name: "Export CSV" }).click()]);
  expect(download.suggestedFilename()).toBe("orders.csv");
  const csv = readFileSync(await download.path(), "utf8").trim().split("\n");
  expect(csv).toHaveLength(2);
  expect(csv[1]).toContain(`${number},${kept},`);

  // The order's own page: its history and its saga, step by step.
  await rows.first().getByRole("link", { name: `#${number}` }).click();
  await expect(admin.getByRole("heading", { name: `Order #${number}` })).toBeVisible();
  await expect(admin.getByRole("list", { name: "Order history" }).getByTestId("timeline-moment").last()).toContainText("Parcel booked");
  const saga = admin.getByRole("region", { name: "Saga history" });
  await expect(saga.getByTestId("saga-status")).toHaveText("Completed");
  await expect(saga.getByTestId("saga-entry").first()).toHaveAttribute("data-event", "SagaStarted");
  await expect(saga.getByTestId("saga-entry").last()).toHaveAttribute("data-event", "SagaCompleted");
  await expect(saga.locator('[data-event="SagaStepSucceeded"]').filter({ hasText: "Take payment" })).toHaveCount(1);
  await expect(saga.getByRole("button", { name: "Retry compensation" })).toHaveCount(0);
  await expectAccessible(admin, "admin order");
  await screenshot(admin, "admin-order");
  await admin.goBack();

  // Every order of the customer, by their email (in any case), then an email nobody has.
  await adminFilter.getByLabel("Order number").fill("");
  await adminFilter.getByLabel("Customer email").fill(shopper.email.toUpperCase());
  await adminFilter.getByRole("button", { name: "Apply" }).click();
  await expect(admin).toHaveURL(/customer_email=/);
  await expect(rows).toHaveCount(2);
  await adminFilter.getByLabel("Customer email").fill("nobody-at-all@example.test");
  await adminFilter.getByRole("button", { name: "Apply" }).click();
  await expect(admin.getByText("No account has the email nobody-at-all@example.test.")).toBeVisible();
  await expect(rows).toHaveCount(0);

  // Every order of the customer, from the row's customer link.
  await adminFilter.getByRole("link", { name: "Clear" }).click();
  await admin.getByRole("link", { name: /^Every order of customer / }).first().click();
  await expect(admin).toHaveURL(/customer_id=/);
  await expect(rows.first()).toBeVisible();
  await adminContext.close();
  expect(declined).not.toBe(kept);
});
