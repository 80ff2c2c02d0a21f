// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { ApiPayment, ApiRefund } from "@/lib/api/types";
import { openDialogsInJsdom } from "@/test/dialog";
import { PaymentPanel } from "./payment-panel";

vi.mock("next/navigation", () => ({ useRouter: () => ({ refresh: vi.fn() }) }));

beforeAll(openDialogsInJsdom);

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const PAYMENT_ID = "0190a000-0000-7000-8000-0000000000aa";
const usd = (amount_minor: number) => ({ amount_minor, currency: "USD" });

function refundOf(amount: number, reason: string): ApiRefund {
  return {
    id: `0190a000-0000-7000-8000-00000000${String(amount).padStart(4, "0")}`,
    payment_id: PAYMENT_ID,
    amount: usd(amount),
    reason,
    status: "succeeded",
    failure: null,
    requested_at: "2026-12-04T10:00:00Z",
    updated_at: "2026-12-04T10:00:00Z",
  };
}

function payment(refunds: ApiRefund[]): ApiPayment {
  const refunded = refunds.reduce((n, r) => n + r.amount.amount_minor, 0);
  return {
    id: PAYMENT_ID,
    order_id: "0190a000-0000-7000-8000-0000000000bb",
    amount: usd(4_700),
    status: "processed",
    failure: null,
    authorized: usd(0),
    captured: usd(4_700),
    refunded: usd(refunded),
    refundable: usd(4_700 - refunded),
    refunds,
    updated_at: "2026-12-04T10:00:00Z",
  };
}

function json(body: unknown, status = 200) {
  const type = status >= 400 ? "application/problem+json" : "application/json";
  return new Response(JSON.stringify(body), { status, headers: { "content-type": type } });
}

describe("PaymentPanel", () => {
  it("refunds part with a reason under one key, then shows the payment as it now stands", async () => {
    const made = refundOf(1_000, "Dented box");
    const fetch = vi.fn(async (url: string) => json(url.endsWith("/refunds") ? made : payment([made]), url.endsWith("/refunds") ? 201 : 200));
    vi.stubGlobal("fetch", fetch);
    render(<PaymentPanel initial={payment([])} />);
    expect(screen.getByTestId("payment-refundable").textContent).toBe("$47.00");
    fireEvent.click(screen.getByRole("button", { name: "Refund…" }));
    expect((screen.getByLabelText("Amount (USD)") as HTMLInputElement).value).toBe("47.00");
    fireEvent.change(screen.getByLabelText("Amount (USD)"), { target: { value: "10" } });
    fireEvent.change(screen.getByLabelText("Reason"), { target: { value: "Dented box" } });
    fireEvent.click(screen.getByRole("button", { name: "Refund" }));
    await waitFor(() => expect(screen.getByTestId("payment-refunded").textContent).toBe("$10.00"));
    expect(screen.getByText("$10.00 was refunded.")).toBeTruthy();
    expect(screen.getByTestId("payment-refundable").textContent).toBe("$37.00");
    expect(screen.getAllByTestId("payment-refund")).toHaveLength(1);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe(`/bff/api/v1/payments/${PAYMENT_ID}/refunds`);
    expect(JSON.parse(String(init.body))).toEqual({ amount_minor: 1_000, reason: "Dented box" });
    expect((init.headers as Record<string, string>)["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("checks the amount before asking, and shows the API's refusal above the form", async () => {
    const fetch = vi.fn(async () =>
      json({ status: 409, title: "Conflict", detail: "at most 37.00 USD can still be refunded; 47.00 USD was asked for" }, 409),
    );
    vi.stubGlobal("fetch", fetch);
    render(<PaymentPanel initial={payment([])} />);
    fireEvent.click(screen.getByRole("button", { name: "Refund…" }));
    fireEvent.change(screen.getByLabelText("Amount (USD)"), { target: { value: "47.01" } });
    fireEvent.click(screen.getByRole("button", { name: "Refund" }));
    expect(screen.getByText("Say why: the customer sees it on their order.")).toBeTruthy();
    expect(screen.getByText("At most $47.00 can still be refunded.")).toBeTruthy();
    expect(fetch).not.toHaveBeenCalled();

    fireEvent.change(screen.getByLabelText("Amount (USD)"), { target: { value: "47.00" } });
    fireEvent.change(screen.getByLabelText("Reason"), { target: { value: "Goodwill" } });
    fireEvent.click(screen.getByRole("button", { name: "Refund" }));
    await waitFor(() => expect(screen.getByText(/can still be refunded; 47.00 USD was asked for/)).toBeTruthy());
    expect(screen.getByTestId("payment-refunded").textContent).toBe("$0.00");
  });

  it("shows a payment only authorized as held, with nothing to refund until the parcel leaves", () => {
    const held: ApiPayment = { ...payment([]), status: "authorized", authorized: usd(4_700), captured: usd(0), refundable: usd(0) };
    render(<PaymentPanel initial={held} />);
    expect(screen.getByTestId("payment-status").textContent).toBe("Authorized");
    expect(screen.getByTestId("payment-authorized").textContent).toBe("$47.00");
    expect(screen.getByTestId("payment-captured").textContent).toBe("$0.00");
    expect(screen.getByTestId("payment-capture-note").textContent).toContain("charged when the parcel leaves");
    expect(screen.queryByRole("button", { name: "Refund…" })).toBeNull();
  });

  it("offers no refund once nothing is left to give back", () => {
    render(<PaymentPanel initial={payment([refundOf(4_700, "Everything")])} />);
    expect(screen.queryByRole("button", { name: "Refund…" })).toBeNull();
    expect(screen.getByText("Everything")).toBeTruthy();
  });
});
