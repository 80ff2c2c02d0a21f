// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { toStockLevel } from "@/lib/api/reshape";
import { apiStockLevel } from "@/test/fixtures";
import { StockTable } from "./stock-table";

beforeAll(() => {
  // jsdom has <dialog> without its modal behaviour; opening it is all these tests need.
  HTMLDialogElement.prototype.showModal = function showModal(this: HTMLDialogElement) {
    this.setAttribute("open", "");
  };
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function answer(status: number, body: unknown) {
  const type = status < 400 ? "application/json" : "application/problem+json";
  return new Response(JSON.stringify(body), { status, headers: { "content-type": type } });
}

const PRODUCT_ID = "0190a000-0000-7000-8000-000000000001";

function renderTable() {
  render(<StockTable initial={[{ level: toStockLevel(apiStockLevel()), product: { name: "Stoneware Mug", sku: "MUG-001" } }]} />);
  return screen.getByTestId("stock-row");
}

describe("StockTable", () => {
  it("adjusts a product: its own checks first, then the API's refusals beside the fields or above them, then the row updated", async () => {
    const answers = [
      answer(422, {
        title: "Invalid request",
        status: 422,
        detail: "the request has invalid fields",
        errors: [{ field: "note", message: "must be at most 200 characters, without control characters" }],
      }),
      answer(409, { title: "Conflict", status: 409, detail: "on hand would be 1, below the 2 units held for orders" }),
      answer(200, apiStockLevel({ on_hand: 38, available: 36 })),
    ];
    const sent: { url: string; body: unknown }[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init: RequestInit) => {
        sent.push({ url, body: JSON.parse(String(init.body)) });
        return answers.shift();
      }),
    );
    const row = renderTable();
    expect(within(row).getByTestId("stock-state").textContent).toBe("In stock");
    expect(within(row).getByRole("link", { name: "Stoneware Mug" }).getAttribute("href")).toBe(`/admin/stock/${PRODUCT_ID}`);

    fireEvent.click(within(row).getByRole("button", { name: /^Adjust…\s?Stoneware Mug$/ }));
    const dialog = screen.getByRole("dialog", { name: "Adjust stock: Stoneware Mug" });
    const delta = within(dialog).getByLabelText("Change in units");
    expect(document.activeElement).toBe(delta);
    expect(within(dialog).getByTestId("stock-now").textContent).toBe("Now 40 on hand, 2 held for orders, 38 available.");

    // Nothing leaves the page for a change of 0 units or without a reason.
    fireEvent.change(delta, { target: { value: "0" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Save adjustment" }));
    expect(within(dialog).getByText("Enter a whole number of units other than 0.").id).toBe("adjust-delta-error");
    expect(delta.getAttribute("aria-invalid")).toBe("true");
    expect(within(dialog).getByText("Choose why the stock changes.")).toBeTruthy();
    expect(sent).toHaveLength(0);

    fireEvent.change(delta, { target: { value: "-2" } });
    fireEvent.change(within(dialog).getByLabelText("Reason"), { target: { value: "damage" } });
    fireEvent.change(within(dialog).getByLabelText("Note (optional)"), { target: { value: "dropped" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Save adjustment" }));
    const note = await within(dialog).findByText("Must be at most 200 characters, without control characters.");
    expect(note.id).toBe("adjust-note-error");
    expect(sent[0]).toEqual({
      url: `/bff/api/v1/inventory/${PRODUCT_ID}/adjustments`,
      body: { delta: -2, reason: "damage", note: "dropped" },
    });

    fireEvent.click(within(dialog).getByRole("button", { name: "Save adjustment" }));
    await waitFor(() => expect(within(dialog).getByRole("alert").textContent).toContain("On hand would be 1, below the 2 units held for orders."));
    expect(within(row).getByTestId("stock-on-hand").textContent).toBe("40");

    fireEvent.click(within(dialog).getByRole("button", { name: "Save adjustment" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(within(row).getByTestId("stock-on-hand").textContent).toBe("38");
    expect(within(row).getByTestId("stock-available").textContent).toBe("36");
    expect(screen.getByTestId("stock-outcome").textContent).toContain("Stoneware Mug: \u22122 units (Damage). Now 38 on hand, 36 available.");
    expect(document.activeElement).toBe(screen.getByTestId("stock-outcome"));
  });

  it("sets a low-stock level with PUT, and the row's status follows", async () => {
    const sent: { url: string; method: string | undefined; body: unknown }[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init: RequestInit) => {
        sent.push({ url, method: init.method, body: JSON.parse(String(init.body)) });
        return answer(200, apiStockLevel({ low_stock_threshold: 40 }));
      }),
    );
    const row = renderTable();
    fireEvent.click(within(row).getByRole("button", { name: /^Change…\s?the low-stock level of Stoneware Mug$/ }));
    const dialog = screen.getByRole("dialog", { name: "Low-stock level: Stoneware Mug" });
    const input = within(dialog).getByLabelText("Low at or below (units available)");
    expect((input as HTMLInputElement).value).toBe("5");
    fireEvent.change(input, { target: { value: "lots" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Save level" }));
    expect(within(dialog).getByText("Enter a whole number of units from 0 to 1,000,000.")).toBeTruthy();
    expect(sent).toHaveLength(0);

    fireEvent.change(input, { target: { value: "40" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Save level" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(sent).toEqual([{ url: `/bff/api/v1/inventory/${PRODUCT_ID}/threshold`, method: "PUT", body: { low_stock_threshold: 40 } }]);
    expect(within(row).getByTestId("stock-threshold").textContent).toBe("40");
    expect(within(row).getByTestId("stock-state").textContent).toBe("Low");
    expect(screen.getByTestId("stock-outcome").textContent).toContain("Stoneware Mug counts as low at 40 available or fewer. It is low now.");
  });

  it("closes on Cancel without sending anything, and gives the focus back to its button", () => {
    const fetch = vi.fn();
    vi.stubGlobal("fetch", fetch);
    const row = renderTable();
    const button = within(row).getByRole("button", { name: /^Adjust…\s?Stoneware Mug$/ });
    button.focus();
    fireEvent.click(button);
    fireEvent.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(button);
    expect(fetch).not.toHaveBeenCalled();
  });
});
