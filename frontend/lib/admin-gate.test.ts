import { describe, expect, it } from "vitest";
import { adminSignInPath, isAdminPath } from "./admin-gate";

describe("the admin gate", () => {
  it("covers /admin and below, nothing else", () => {
    expect(isAdminPath("/admin")).toBe(true);
    expect(isAdminPath("/admin/products/new")).toBe(true);
    expect(isAdminPath("/administrator")).toBe(false);
    expect(isAdminPath("/")).toBe(false);
  });

  it("sends a visitor without a session to sign in, coming back to the exact page", () => {
    expect(adminSignInPath(new URL("http://shop.test/admin/products?status=draft"), false)).toBe(
      "/sign-in?next=%2Fadmin%2Fproducts%3Fstatus%3Ddraft",
    );
    expect(adminSignInPath(new URL("http://shop.test/admin/products"), true)).toBeNull();
    expect(adminSignInPath(new URL("http://shop.test/orders"), false)).toBeNull();
  });
});
