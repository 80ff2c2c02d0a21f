// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { toStockLevel } from "@/lib/api/reshape";
import { apiStockLevel } from "@/test/fixtures";
import { StockTable } from "./stock-table";
import { openDialogsInJsdom } from "@/test/dialog";

beforeAll(openDialogsInJsdom);

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

/** Answers each request with the next of `answers`; returns what was sent, in order. */
function answerInTurn(answers: Response[]): { url: string; body: unknown }[] {
  const sent: { url: string; body: unknown }[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit) => {
      sent.push({ url, body: JSON.parse(String(init.body)) });
      return answers.shift();
    }),
  );
  return sent;
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
    const sent = answerInTurn(answers);
    const row = renderTable();
    expect(within(row).getByTestId("stock-state").textContent).toBe("In stock");
    expect(within(row).getByRole("link", { name: "Stoneware Mug" }).getAttribute("href")).toBe(`/admin/stock/${PRODUCT_ID}`);

    fireEvent.click(within(row).getByRole("button", { name: /^Adjust…\s?Stoneware Mug$/ }));
    const dialog = screen.getByRole("dialog", { name: "Adjust stock: Stoneware Mug" });
    const delta = within(dialog).getByLabelText("Change in units");
    expect(document.activeElement).toBe(delta);
    expect(within(dialog).getByTestId("stock-now").textContent).toBe("Now 40 on hand, 2 held for orders, 0 set aside, 38 available.");

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

  it("sets units aside, then puts some back on sale: each direction's sign, the API's refusals, the row updated", async () => {
    const answers = [
      answer(409, { title: "Conflict", status: 409, detail: "only 38 units can be set aside: the rest are held for orders or set aside already" }),
      answer(200, apiStockLevel({ unavailable: 3, available: 35 })),
      answer(422, {
        title: "Invalid request",
        status: 422,
        detail: "the request has invalid fields",
        errors: [{ field: "note", message: "must be at most 200 characters, without control characters" }],
      }),
      answer(200, apiStockLevel({ unavailable: 1, available: 37 })),
    ];
    const sent = answerInTurn(answers);
    const row = renderTable();
    expect(within(row).getByTestId("stock-unavailable").textContent).toBe("0");
    const open = within(row).getByRole("button", { name: /^Set aside…\s?units of Stoneware Mug$/ });

    fireEvent.click(open);
    let dialog = screen.getByRole("dialog", { name: "Set aside: Stoneware Mug" });
    const setAside = within(dialog).getByRole("radio", { name: "Set aside as unavailable" });
    expect(setAside).toHaveProperty("checked", true);
    expect(document.activeElement).toBe(setAside);
    const units = within(dialog).getByLabelText("Units");
    expect(within(dialog).getByText("Up to the 38 available; units held for orders stay held.")).toBeTruthy();
    fireEvent.change(units, { target: { value: "0" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Set aside" }));
    expect(within(dialog).getByText("Enter a whole number of units from 1 to 1,000,000.").id).toBe("set-aside-units-error");
    expect(sent).toHaveLength(0);

    fireEvent.change(units, { target: { value: "40" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Set aside" }));
    await waitFor(() => expect(within(dialog).getByRole("alert").textContent).toContain("Only 38 units can be set aside"));
    expect(within(dialog).getByRole("alert").textContent).toContain("We couldn't change the units set aside");

    fireEvent.change(units, { target: { value: "3" } });
    fireEvent.change(within(dialog).getByLabelText("Note (optional)"), { target: { value: "water damage" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Set aside" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(within(row).getByTestId("stock-unavailable").textContent).toBe("3");
    expect(within(row).getByTestId("stock-available").textContent).toBe("35");
    expect(within(row).getByTestId("stock-on-hand").textContent).toBe("40");
    expect(screen.getByTestId("stock-outcome").textContent).toContain(
      "Stoneware Mug: 3 units set aside as unavailable. Now 3 unavailable, 35 available.",
    );

    fireEvent.click(open);
    dialog = screen.getByRole("dialog", { name: "Set aside: Stoneware Mug" });
    expect(within(dialog).getByTestId("stock-now").textContent).toBe("Now 40 on hand, 2 held for orders, 3 set aside, 35 available.");
    fireEvent.click(within(dialog).getByRole("radio", { name: "Put back on sale" }));
    expect(within(dialog).getByText("Up to the 3 set aside.")).toBeTruthy();
    fireEvent.change(within(dialog).getByLabelText("Units"), { target: { value: "2" } });
    fireEvent.change(within(dialog).getByLabelText("Note (optional)"), { target: { value: "x".repeat(150) } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Put back on sale" }));
    const note = await within(dialog).findByText("Must be at most 200 characters, without control characters.");
    expect(note.id).toBe("set-aside-note-error");

    fireEvent.change(within(dialog).getByLabelText("Note (optional)"), { target: { value: "" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Put back on sale" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(sent.map((s) => s.body)).toEqual([
      { delta: 40 },
      { delta: 3, note: "water damage" },
      { delta: -2, note: "x".repeat(150) },
      { delta: -2 },
    ]);
    expect(sent.every((s) => s.url === `/bff/api/v1/inventory/${PRODUCT_ID}/unavailable`)).toBe(true);
    expect(within(row).getByTestId("stock-unavailable").textContent).toBe("1");
    expect(within(row).getByTestId("stock-available").textContent).toBe("37");
    expect(screen.getByTestId("stock-outcome").textContent).toContain("Stoneware Mug: 2 units back on sale. Now 1 unavailable, 37 available.");
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
