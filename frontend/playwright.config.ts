import { defineConfig } from "@playwright/test";

/**
 * End-to-end suite: starts the real backend (`emporium serve --demo` on a
 * fresh data folder) and the built storefront, both on loopback, then drives
 * Debian's Chromium through them. Run `npm run build` first.
 */
const BACKEND_URL = "http://127.0.0.1:18080";
const FRONTEND_URL = "http://127.0.0.1:13000";

export default defineConfig({
  testDir: "./e2e",
  // The books must agree after the suite: stock, money, sagas, idempotency keys.
  globalTeardown: "./e2e/global-teardown.ts",
  // Two cores: one browser, one test at a time.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL: FRONTEND_URL,
    viewport: { width: 1280, height: 900 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [{ name: "chromium", use: { browserName: "chromium" } }],
  webServer: [
    {
      command: "bash e2e/start-backend.sh",
      url: `${BACKEND_URL}/readyz`,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
      stdout: "pipe",
      stderr: "pipe",
    },
    {
      command: "npx next start -p 13000 -H 127.0.0.1",
      url: `${FRONTEND_URL}/sign-in`,
      env: { EMPORIUM_API_URL: BACKEND_URL, NEXT_TELEMETRY_DISABLED: "1" },
      reuseExistingServer: !process.env.CI,
      timeout: 60_000,
    },
  ],
});
