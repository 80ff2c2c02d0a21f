import { describe, expect, it } from "vitest";
import { contentPolicy, newNonce } from "./content-policy";

describe("content security policy", () => {
  it("lets only scripts with this response's nonce run, and keeps other sites out", () => {
    const policy = contentPolicy("abc123", { https: false, development: false });
    expect(policy).toContain("script-src 'self' 'nonce-abc123' 'strict-dynamic'");
    expect(policy).not.toContain("unsafe-eval");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("object-src 'none'");
    expect(policy).toContain("form-action 'self'");
    expect(policy).not.toContain("upgrade-insecure-requests");
  });

  it("upgrades requests on HTTPS and allows eval only in development", () => {
    expect(contentPolicy("n", { https: true, development: false })).toContain("upgrade-insecure-requests");
    expect(contentPolicy("n", { https: false, development: true })).toContain("'unsafe-eval'");
  });

  it("never hands out the same nonce twice", () => {
    const nonces = new Set(Array.from({ length: 1000 }, newNonce));
    expect(nonces.size).toBe(1000);
    expect([...nonces][0]).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });
});
