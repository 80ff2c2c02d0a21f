import { afterEach, describe, expect, it, vi } from "vitest";
import { login } from "./api/server";
import { handleAuth } from "./auth-handlers";
import { str } from "./http";

afterEach(() => {
  vi.unstubAllGlobals();
});

const session = {
  access_token: "secret-token",
  token_type: "Bearer",
  expires_in: 900,
  refresh_token: "refresh-secret",
  refresh_expires_in: 2592000,
  user: { id: "u1", email: "ada@example.com", name: "Ada", role: "customer" },
};

function signInRequest(headers: Record<string, string> = {}) {
  return new Request("http://127.0.0.1:13000/auth/sign-in", {
    method: "POST",
    headers: { "content-type": "application/json", host: "127.0.0.1:13000", ...headers },
    body: JSON.stringify({ email: "ada@example.com", password: "password-1" }),
  });
}

const action = (body: Record<string, unknown>) => login({ email: str(body.email), password: str(body.password) });

describe("sign-in route handler", () => {
  it("keeps the token in an httpOnly cookie and answers with the user only", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify(session), { status: 200 })));
    const response = await handleAuth(signInRequest({ origin: "http://127.0.0.1:13000" }), action, 200);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain("secret-token");
    expect(JSON.parse(text)).toEqual(session.user);
    const cookies = response.headers.getSetCookie();
    const token = cookies.find((c) => c.startsWith("emporium_session="));
    expect(token).toContain("secret-token");
    expect(token).toMatch(/HttpOnly/i);
    expect(token).toMatch(/SameSite=lax/i);
    expect(token).toMatch(/Max-Age=840/);
    expect(text).not.toContain("refresh-secret");
    const refresh = cookies.find((c) => c.startsWith("emporium_refresh="));
    expect(refresh).toContain("refresh-secret");
    expect(refresh).toMatch(/HttpOnly/i);
    expect(refresh).toMatch(/Max-Age=2592000/);
  });

  it("passes the API's problem through in plain words", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(
        async () =>
          new Response(JSON.stringify({ status: 401, title: "Authentication required", detail: "wrong email or password" }), {
            status: 401,
            headers: { "content-type": "application/problem+json" },
          }),
      ),
    );
    const response = await handleAuth(signInRequest(), action, 200);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { detail: string }).detail).toBe("Wrong email or password.");
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("refuses requests from other sites", async () => {
    const fetchMock = vi.fn();
    vi.stubGlobal("fetch", fetchMock);
    const crossSite = await handleAuth(signInRequest({ origin: "https://evil.example" }), action, 200);
    expect(crossSite.status).toBe(403);
    const fetchSite = await handleAuth(signInRequest({ "sec-fetch-site": "cross-site" }), action, 200);
    expect(fetchSite.status).toBe(403);
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
