import { afterEach, describe, expect, it, vi } from "vitest";
import { EMPTY_QUERY } from "@/lib/catalog/query";
import { apiCategories, apiSearchPage } from "@/test/fixtures";
import { PAGE_SIZE, forward, relayPicture, searchCatalog } from "./server";

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

  it("refuses a body longer than the API would take, before reading it", async () => {
    stubBackend(new Response("{}"));
    const request = new Request("http://x/bff/api/v1/products/p1/images", {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=b", "content-length": String(11 * 1024 * 1024) },
      body: "--b--",
    });
    const response = await forward(request, ["api", "v1", "products", "p1", "images"], "tok");
    expect(response.status).toBe(413);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(fetchMock).not.toHaveBeenCalled();
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

describe("relayPicture (/api/v1/images/{id}/{file})", () => {
  const imageId = "0190a000-0000-7000-8000-0000000001a1";
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const caching = {
    "cache-control": "public, max-age=31536000, immutable",
    etag: `"${imageId}-card"`,
  };

  it("streams the picture with the API's type and caching headers", async () => {
    stubBackend(new Response(png, { status: 200, headers: { "content-type": "image/png", ...caching, "x-internal": "1" } }));
    const request = new Request(`http://127.0.0.1:13000/api/v1/images/${imageId}/card.png`, {
      headers: { "x-forwarded-for": "203.0.113.7", cookie: "emporium_session=secret", "if-none-match": '"other"' },
    });
    const response = await relayPicture(request, imageId, "card.png");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(response.headers.get("cache-control")).toBe(caching["cache-control"]);
    expect(response.headers.get("etag")).toBe(caching.etag);
    expect(response.headers.get("x-internal")).toBeNull();
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(png);
    const [url, init] = fetchMock.mock.calls[0] ?? [];
    expect(url).toBe(`http://127.0.0.1:18080/api/v1/images/${imageId}/card.png`);
    expect(init?.headers).toEqual({ "if-none-match": '"other"', "x-forwarded-for": "203.0.113.7" });
  });

  it("answers 304 without a body when the browser's copy is current", async () => {
    stubBackend(new Response(null, { status: 304, headers: caching }));
    const request = new Request(`http://x/api/v1/images/${imageId}/card.jpg`, { headers: { "if-none-match": caching.etag } });
    const response = await relayPicture(request, imageId, "card.jpg");
    expect(response.status).toBe(304);
    expect(response.headers.get("etag")).toBe(caching.etag);
    expect(response.body).toBeNull();
    const [, init] = fetchMock.mock.calls[0] ?? [];
    expect((init?.headers as Record<string, string>)["if-none-match"]).toBe(caching.etag);
  });

  it("passes the API's 404 on for a picture it does not have", async () => {
    stubBackend(new Response('{"status":404,"detail":"no such file"}', { status: 404, headers: { "content-type": "application/problem+json" } }));
    const response = await relayPicture(new Request("http://x/"), imageId, "large.jpg");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  });

  it("answers 404 itself, without asking the API, for anything but a picture id and file", async () => {
    stubBackend(new Response(png));
    const refused: [string, string][] = [
      ["not-a-uuid", "card.jpg"],
      ["..", "card.jpg"],
      [`${imageId}x`, "card.jpg"],
      [imageId, "card.gif"],
      [imageId, "huge.jpg"],
      [imageId, "card.jpg.svg"],
      [imageId, "../../metrics"],
      [imageId, "card"],
    ];
    for (const [id, file] of refused) {
      const response = await relayPicture(new Request("http://x/"), id, file);
      expect(response.status, `${id}/${file}`).toBe(404);
      expect(response.headers.get("cache-control")).toBe("no-store");
    }
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("answers 503 in plain words when the backend is down", async () => {
    vi.stubGlobal("fetch", vi.fn().mockRejectedValue(new TypeError("fetch failed")));
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const response = await relayPicture(new Request("http://x/"), imageId, "thumb.jpg");
    expect(response.status).toBe(503);
    expect(log).toHaveBeenCalledWith(expect.stringContaining(`/api/v1/images/${imageId}/thumb.jpg`));
    log.mockRestore();
  });
});
