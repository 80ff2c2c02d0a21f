// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { SWRConfig } from "swr";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type CatalogQuery, EMPTY_QUERY } from "@/lib/catalog/query";
import { CatalogNavigationProvider } from "./catalog-navigation";
import { SearchBox } from "./search-box";

const push = vi.fn<(href: string) => void>();
vi.mock("next/navigation", () => ({ useRouter: () => ({ push }) }));

const KITCHEN = "0190a000-0000-7000-8000-0000000000c1";
const KNIVES = "0190a000-0000-7000-8000-0000000000c2";
const requests: string[] = [];

function json(body: unknown) {
  return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
}

beforeEach(() => {
  requests.length = 0;
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string) => {
      requests.push(url);
      return json({
        products: [
          { id: "p-knife", name: "Chef's Knife, 8 inch", slug: "chef-s-knife" },
          { id: "p-xss", name: "<img src=x onerror=alert(1)>", slug: "img" },
        ],
        categories: [
          { id: KNIVES, name: "Knives & Boards", slug: "knives", parent_id: KITCHEN, position: 0, path: "kitchen/knives", depth: 1 },
        ],
      });
    }),
  );
});

afterEach(() => {
  cleanup();
  push.mockReset();
  vi.unstubAllGlobals();
});

function renderBox(query: CatalogQuery = EMPTY_QUERY) {
  return render(
    <SWRConfig value={{ provider: () => new Map() }}>
      <CatalogNavigationProvider>
        <SearchBox query={query} categoryNames={new Map([[KITCHEN, "Kitchen"]])} />
      </CatalogNavigationProvider>
    </SWRConfig>,
  );
}

async function typeAndWaitForSuggestions(text: string) {
  const box = screen.getByRole("combobox", { name: "Search products" });
  fireEvent.change(box, { target: { value: text } });
  await waitFor(() => expect(box.getAttribute("aria-expanded")).toBe("true"));
  return box;
}

describe("SearchBox", () => {
  it("asks for suggestions once typing pauses, through the BFF, and lists them as options", async () => {
    renderBox();
    const box = screen.getByRole("combobox", { name: "Search products" });
    expect(box.getAttribute("aria-expanded")).toBe("false");
    fireEvent.change(box, { target: { value: "c" } });
    fireEvent.change(box, { target: { value: "ch" } });
    fireEvent.change(box, { target: { value: "chef kni" } });
    await waitFor(() => expect(screen.getAllByRole("option")).toHaveLength(3));
    expect(requests).toEqual(["/bff/api/v1/products/suggestions?q=chef+kni"]);
    expect(box.getAttribute("aria-controls")).toBe(screen.getByRole("listbox").id);
    expect(screen.getByRole("option", { name: "Knives & Boards in Kitchen" })).toBeTruthy();
  });

  it("shows a product name as text, never as markup", async () => {
    const { container } = renderBox();
    await typeAndWaitForSuggestions("img");
    expect(screen.getByRole("option", { name: "<img src=x onerror=alert(1)>" })).toBeTruthy();
    expect(container.querySelector("img")).toBeNull();
  });

  it("moves through the options with the arrow keys, wrapping at both ends", async () => {
    renderBox();
    const box = await typeAndWaitForSuggestions("chef");
    const active = () => box.getAttribute("aria-activedescendant");
    const options = screen.getAllByRole("option");
    expect(active()).toBeNull();
    fireEvent.keyDown(box, { key: "ArrowDown" });
    expect(active()).toBe(options[0]?.id);
    expect(options[0]?.getAttribute("aria-selected")).toBe("true");
    fireEvent.keyDown(box, { key: "ArrowDown" });
    fireEvent.keyDown(box, { key: "ArrowDown" });
    expect(active()).toBe(options[2]?.id);
    fireEvent.keyDown(box, { key: "ArrowDown" });
    expect(active()).toBe(options[0]?.id);
    fireEvent.keyDown(box, { key: "ArrowUp" });
    expect(active()).toBe(options[2]?.id);
  });

  it("Enter on a product opens its page", async () => {
    renderBox();
    const box = await typeAndWaitForSuggestions("chef");
    fireEvent.keyDown(box, { key: "ArrowDown" });
    fireEvent.keyDown(box, { key: "Enter" });
    expect(push).toHaveBeenCalledWith("/products/p-knife");
    expect(box.getAttribute("aria-expanded")).toBe("false");
  });

  it("Enter on a category browses it, dropping the words and the page", async () => {
    renderBox({ ...EMPTY_QUERY, q: "old", inStock: true, cursor: "c1" });
    const box = await typeAndWaitForSuggestions("kni");
    fireEvent.keyDown(box, { key: "ArrowUp" });
    fireEvent.keyDown(box, { key: "Enter" });
    await waitFor(() => expect(push).toHaveBeenCalledWith(`/?category=${KNIVES}&in_stock=true`));
  });

  it("Enter without a highlighted option searches for the words, keeping the filters", async () => {
    renderBox({ ...EMPTY_QUERY, category: KITCHEN, sort: "name", cursor: "c1" });
    const box = screen.getByRole("combobox", { name: "Search products" });
    fireEvent.change(box, { target: { value: "  bread knife " } });
    fireEvent.submit(box.closest("form")!);
    await waitFor(() => expect(push).toHaveBeenCalledWith(`/?q=bread+knife&category=${KITCHEN}&sort=name`));
  });

  it("Escape closes the list first, then clears the box", async () => {
    renderBox();
    const box = await typeAndWaitForSuggestions("chef");
    fireEvent.keyDown(box, { key: "ArrowDown" });
    fireEvent.keyDown(box, { key: "Escape" });
    expect(box.getAttribute("aria-expanded")).toBe("false");
    expect(box.getAttribute("aria-activedescendant")).toBeNull();
    expect((box as HTMLInputElement).value).toBe("chef");
    fireEvent.keyDown(box, { key: "Escape" });
    expect((box as HTMLInputElement).value).toBe("");
  });

  it("a click on an option chooses it", async () => {
    renderBox();
    await typeAndWaitForSuggestions("chef");
    fireEvent.click(screen.getByRole("option", { name: "Chef's Knife, 8 inch" }));
    expect(push).toHaveBeenCalledWith("/products/p-knife");
  });

  it("follows the URL's words when they change (back button, cleared search)", () => {
    const { rerender } = renderBox({ ...EMPTY_QUERY, q: "kettle" });
    const box = screen.getByRole("combobox", { name: "Search products" }) as HTMLInputElement;
    expect(box.value).toBe("kettle");
    rerender(
      <SWRConfig value={{ provider: () => new Map() }}>
        <CatalogNavigationProvider>
          <SearchBox query={{ ...EMPTY_QUERY, q: "mug" }} categoryNames={new Map()} />
        </CatalogNavigationProvider>
      </SWRConfig>,
    );
    expect(box.value).toBe("mug");
  });
});
