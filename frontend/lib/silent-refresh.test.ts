import { NextRequest } from "next/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { refreshExpiredSession } from "./silent-refresh";

afterEach(() => {
  vi.unstubAllGlobals();
});

function session(n: number) {
  return {
    access_token: `access-${n}`,
    token_type: "Bearer",
    expires_in: 900,
    refresh_token: `refresh-${n}`,
    refresh_expires_in: 2592000,
    user: { id: "u1", email: "ada@example.com", name: "Ada", role: "customer" },
  };
}

function pageRequest(cookies: Record<string, string>) {
  const cookie = Object.entries(cookies)
    .map(([name, value]) => `${name}=${value}`)
    .join("; ");
  return new NextRequest("http://127.0.0.1:13000/orders", {
    headers: { cookie, "x-forwarded-for": "203.0.113.7" },
  });
}

function setCookie(response: Response, name: string): string | undefined {
  return response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
}

describe("silent refresh", () => {
  it("leaves a request with a live access token alone", async () => {
    const fetchMock = vi.fn();
    vi.stubGlobal("fetch", fetchMock);
    const response = await refreshExpiredSession(pageRequest({ emporium_session: "live", emporium_refresh: "r" }));
    expect(fetchMock).not.toHaveBeenCalled();
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("trades the refresh token for a new session when the access token has expired", async () => {
    const fetchMock = vi.fn(async () => new Response(JSON.stringify(session(2)), { status: 200 }));
    vi.stubGlobal("fetch", fetchMock);

    const response = await refreshExpiredSession(pageRequest({ emporium_refresh: "refresh-1" }));

    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toMatch(/\/api\/v1\/auth\/refresh$/);
    expect(JSON.parse(String(init.body))).toEqual({ refresh_token: "refresh-1" });
    expect((init.headers as Record<string, string>)["x-forwarded-for"]).toBe("203.0.113.7");
    expect(setCookie(response, "emporium_session")).toContain("access-2");
    expect(setCookie(response, "emporium_refresh")).toContain("refresh-2");
    // The page rendering this very request sees the new token.
    expect(response.headers.get("x-middleware-request-cookie")).toContain("emporium_session=access-2");
  });

  it("shares one refresh among requests sent together", async () => {
    let answer: (value: Response) => void = () => {};
    const fetchMock = vi.fn(() => new Promise<Response>((resolve) => (answer = resolve)));
    vi.stubGlobal("fetch", fetchMock);

    const together = [1, 2, 3].map(() => refreshExpiredSession(pageRequest({ emporium_refresh: "shared-1" })));
    await vi.waitFor(() => expect(fetchMock).toHaveBeenCalled());
    answer(new Response(JSON.stringify(session(3)), { status: 200 }));
    const responses = await Promise.all(together);

    expect(fetchMock).toHaveBeenCalledTimes(1);
    for (const response of responses) expect(setCookie(response, "emporium_session")).toContain("access-3");
  });

  it("signs the shopper out when the refresh token is refused", async () => {
    const refused = { status: 401, title: "Authentication required", detail: "sign in again" };
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify(refused), { status: 401 })));

    const response = await refreshExpiredSession(pageRequest({ emporium_refresh: "revoked-1", emporium_user: "x" }));

    for (const name of ["emporium_session", "emporium_user", "emporium_refresh"]) {
      expect(setCookie(response, name)).toMatch(/Max-Age=0/);
    }
  });

  it("keeps the refresh token when the API cannot be reached", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("fetch failed"))));
    vi.spyOn(console, "error").mockImplementation(() => {});

    const response = await refreshExpiredSession(pageRequest({ emporium_refresh: "kept-1" }));

    expect(response.headers.getSetCookie()).toEqual([]);
  });
});
