// @vitest-environment jsdom
import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { toStockHistoryPage } from "@/lib/api/reshape";
import type { ApiStockMovement } from "@/lib/api/types";
import { StockHistory } from "./stock-history";

afterEach(cleanup);

const ADMIN = { id: "0190a000-0000-7000-8000-0000000000ad", email: "admin@emporium.local", name: "Admin", role: "admin" as const };

function movement(overrides: Partial<ApiStockMovement>): ApiStockMovement {
  return {
    sequence: 1,
    at: "2025-01-05T10:00:00Z",
    kind: "set_aside",
    on_hand_change: 0,
    reserved_change: 0,
    unavailable_change: 0,
    on_hand: 40,
    unavailable: 0,
    available: 38,
    reason: null,
    note: null,
    order_id: null,
    actor: ADMIN.id,
    ...overrides,
  };
}

describe("StockHistory", () => {
  it("shows units set aside and put back on sale with the change to the units set aside", () => {
    const { movements } = toStockHistoryPage({
      items: [
        movement({ sequence: 3, unavailable_change: -1, unavailable: 2, available: 36 }),
        movement({ sequence: 2, unavailable_change: 3, unavailable: 3, available: 35, note: "water damage" }),
        movement({ sequence: 1, kind: "adjusted", on_hand_change: -2, on_hand: 38, unavailable_change: -1, unavailable: 0, reason: "damage" }),
      ],
      next_cursor: null,
    });
    render(<StockHistory movements={movements} admin={ADMIN} />);
    const [back, aside, damage] = screen.getAllByTestId("stock-movement");
    if (!back || !aside || !damage) throw new Error("three movements");
    expect(within(back).getByTestId("movement-kind").textContent).toBe("Back on sale");
    expect(within(back).getByTestId("movement-unavailable").textContent).toBe("\u22121 → 2");
    expect(within(aside).getByTestId("movement-kind").textContent).toBe("Set aside");
    expect(within(aside).getByTestId("movement-unavailable").textContent).toBe("+3 → 3");
    expect(within(aside).getByTestId("movement-note").textContent).toBe("Note: water damage");
    expect(within(aside).getByText("Admin (you)")).toBeTruthy();
    // A damage write-off takes the set-aside units first.
    expect(within(damage).getByTestId("movement-kind").textContent).toBe("Adjusted");
    expect(within(damage).getByTestId("movement-unavailable").textContent).toBe("\u22121 → 0");
  });
});
