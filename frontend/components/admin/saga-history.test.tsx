// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ApiSagaDetail } from "@/lib/api/types";
import { SagaHistory } from "./saga-history";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const SAGA_ID = "0190a000-0000-7000-8000-00000000abcd";

function detail(status: ApiSagaDetail["saga"]["status"], events: string[]): ApiSagaDetail {
  return {
    saga: {
      saga_id: SAGA_ID,
      saga_type: "place_order",
      context: "orders",
      status,
      deadline_at: null,
      updated_at: "2026-12-04T10:00:00Z",
      view: {
        status,
        failure: status === "needs_attention" ? { code: "refund_failed", message: "the card processor is unavailable" } : null,
        steps: [],
      },
    },
    timeline: events.map((event, i) => ({
      version: i + 1,
      recorded_at: "2026-12-04T10:00:00Z",
      event,
      step: i === 0 ? null : "process_payment",
      detail: event,
    })),
  };
}

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

describe("SagaHistory", () => {
  it("lists every transition, and retries a parked saga's compensation, showing it as it now stands", async () => {
    const parked = detail("needs_attention", ["SagaStarted", "SagaCompensationFailed", "SagaNeedsAttention"]);
    const retried = detail("compensating", [...parked.timeline.map((e) => e.event), "SagaCommandIssued"]);
    const fetch = vi.fn(async () => json(retried));
    vi.stubGlobal("fetch", fetch);
    render(<SagaHistory initial={parked} />);
    expect(screen.getAllByTestId("saga-entry")).toHaveLength(3);
    expect(screen.getByText("the card processor is unavailable")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Retry compensation" }));
    await waitFor(() => expect(screen.getAllByTestId("saga-entry")).toHaveLength(4));
    expect(fetch).toHaveBeenCalledWith(`/bff/api/v1/admin/sagas/${SAGA_ID}/retry`, expect.objectContaining({ method: "POST" }));
    expect(screen.getByTestId("saga-status").textContent).toBe("Undoing");
    expect(screen.queryByRole("button", { name: "Retry compensation" })).toBeNull();
  });

  it("says why a retry was refused, and keeps the history as it was", async () => {
    const parked = detail("needs_attention", ["SagaStarted", "SagaNeedsAttention"]);
    const refusal = { type: "about:blank", title: "Conflict", status: 409, detail: "the saga awaits no compensation" };
    vi.stubGlobal("fetch", vi.fn(async () => json(refusal, 409)));
    render(<SagaHistory initial={parked} />);
    fireEvent.click(screen.getByRole("button", { name: "Retry compensation" }));
    await waitFor(() => expect(screen.getByText(/saga awaits no compensation/i)).toBeTruthy());
    expect(screen.getAllByTestId("saga-entry")).toHaveLength(2);
  });
});
