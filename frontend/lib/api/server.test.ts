import { afterEach, describe, expect, it, vi } from "vitest";
import { EMPTY_QUERY } from "@/lib/catalog/query";
import { apiCategories, apiSearchPage } from "@/test/fixtures";
import { PAGE_SIZE, forward, searchCatalog } from "./server";

const fetchMock = vi.fn<typeof fetch>();

afterEach(() => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  fetchMock.mockReset();
});

function stubBackend(response: Response) {
  vi.stubEnv("EMPORIUM_API_URL", "http://127.0.0.1:18080/");
  fetchMock.mockResolvedValue(response);
  vi.stubGlobal("fetch", fetchMock);
}

describe("forward (/bff)", () => {
  it("adds the bearer token and passes the idempotency key through", async () => {
    stubBackend(new Response('{"id":"o1"}', { status: 202, headers: { "content-type": "application/json" } }));
    const request = new Request("http://127.0.0.1:13000/bff/api/v1/orders?x=1", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": "k-1", cookie: "emporium_session=secret" },
      body: '{"lines":[]}',
    });
    const response = await forward(request, ["api", "v1", "orders"], "tok");
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('{"id":"o1"}');
    const [url, init] = fetchMock.mock.calls[0] ?? [];
    expect(url).toBe("http://127.0.0.1:18080/api/v1/orders?x=1");
    const headers = init?.headers as Record<string, string>;
    expect(headers.authorization).toBe("Bearer tok");
    expect(headers["idempotency-key"]).toBe("k-1");
    expect(headers.cookie).toBeUndefined();
    expect(new TextDecoder().decode(init?.body as ArrayBuffer)).toBe('{"lines":[]}');
  });

  it("keeps the API's problem document and status", async () => {
    stubBackend(
      new Response('{"status":404,"detail":"no such order"}', {
        status: 404,
        headers: { "content-type": "application/problem+json" },
      }),
    );
    const response = await forward(new Request("http://x/bff/api/v1/orders/1"), ["api", "v1", "orders", "1"], null);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const [, init] = fetchMock.mock.calls[0] ?? [];
    expect((init?.headers as Record<string, string>).authorization).toBeUndefined();
  });

  it("refuses anything outside /api/v1", async () => {
    stubBackend(new Response("{}"));
    for (const segments of [["metrics"], ["api", "v1", "..", "..", "metrics"], ["healthz"]]) {
      const response = await forward(new Request("http://x/bff/x"), segments, "tok");
      expect(response.status).toBe(404);
    }
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("answers 503 in plain words when the backend is down", async () => {
    vi.stubGlobal("fetch", vi.fn().mockRejectedValue(new TypeError("fetch failed")));
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await forward(new Request("http://x/bff/api/v1/products"), ["api", "v1", "products"], null);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/couldn't reach the shop/);
    expect(log).toHaveBeenCalledWith(expect.stringContaining("fetch failed"));
    log.mockRestore();
  });
});

describe("searchCatalog", () => {
  it("asks the API with the URL's state, prices in cents, and a page size", async () => {
    vi.stubEnv("EMPORIUM_API_URL", "http://127.0.0.1:18080");
    fetchMock.mockImplementation(async (url) =>
      String(url).endsWith("/api/v1/categories")
        ? Response.json({ items: apiCategories })
        : Response.json(apiSearchPage()),
    );
    vi.stubGlobal("fetch", fetchMock);
    const results = await searchCatalog({
      ...EMPTY_QUERY,
      q: "cast iron",
      category: "0190a000-0000-7000-8000-0000000000c1",
      priceMin: 2000,
      priceMax: 6000,
      sort: "price_asc",
      cursor: "p~3900~x",
    });
    const urls = fetchMock.mock.calls.map(([url]) => String(url));
    expect(urls).toContain(
      "http://127.0.0.1:18080/api/v1/products?q=cast+iron&category=0190a000-0000-7000-8000-0000000000c1" +
        `&price_min=2000&price_max=6000&sort=price_asc&cursor=p%7E3900%7Ex&limit=${PAGE_SIZE}`,
    );
    expect(results.total).toBe(3);
    expect(results.categories.map((c) => c.name)).toEqual(["Kitchen", "Knives & Boards", "Cookware", "Bath"]);
  });

  it("still answers when the category tree cannot be read", async () => {
    fetchMock.mockImplementation(async (url) =>
      String(url).endsWith("/api/v1/categories")
        ? new Response("{}", { status: 503 })
        : Response.json(apiSearchPage()),
    );
    vi.stubGlobal("fetch", fetchMock);
    const results = await searchCatalog(EMPTY_QUERY);
    expect(results.categories.map((c) => c.name)).toEqual(["Kitchen", "Knives & Boards", "Bath"]);
    expect(results.products[0]?.categoryName).toBeNull();
  });
});
