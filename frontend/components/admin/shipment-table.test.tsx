// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { SWRConfig } from "swr";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { toShipment } from "@/lib/api/reshape";
import { apiOrder, apiShipment, apiShipmentInTransit } from "@/test/fixtures";
import { ShipmentTable } from "./shipment-table";
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

describe("ShipmentTable", () => {
  it("marks a waiting parcel shipped: the API's refusals beside the fields or above them, then the row updated", async () => {
    const answers = [
      answer(422, {
        title: "Invalid request",
        status: 422,
        detail: "the request has invalid fields",
        errors: [{ field: "tracking_number", message: "must be 6 to 40 letters, digits or -" }],
      }),
      answer(409, { title: "Conflict", status: 409, detail: "tracking number PW-123456 belongs to another parcel" }),
      answer(200, apiShipmentInTransit()),
    ];
    const sent: { url: string; body: unknown }[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init: RequestInit) => {
        sent.push({ url, body: JSON.parse(String(init.body)) });
        return answers.shift();
      }),
    );
    render(<ShipmentTable initial={[toShipment(apiShipment())]} />);
    const row = screen.getByTestId("shipment-row");
    expect(within(row).getByTestId("shipment-status").textContent).toBe("To ship");
    expect(within(row).getByRole("link").getAttribute("href")).toBe("/orders/0190a000-0000-7000-8000-00000000abcd");

    // jsdom joins the visible and screen-reader text without the space a browser keeps.
    fireEvent.click(within(row).getByRole("button", { name: /^Mark shipped…\s?order #0000ABCD$/ }));
    const form = screen.getByRole("form", { name: "Mark order #0000ABCD shipped" });
    const carrier = within(form).getByLabelText("Carrier");
    expect(document.activeElement).toBe(carrier);
    fireEvent.change(carrier, { target: { value: "Parcelway" } });
    fireEvent.change(within(form).getByLabelText("Tracking number (optional)"), { target: { value: "no!" } });
    fireEvent.click(within(form).getByRole("button", { name: "Mark shipped" }));

    const tracking = await within(form).findByText("Must be 6 to 40 letters, digits or -.");
    expect(tracking.id).toBe("ship-0190a000-0000-7000-8000-00000000s001-tracking-error");
    expect(within(form).getByLabelText("Tracking number (optional)").getAttribute("aria-invalid")).toBe("true");
    expect(sent[0]).toEqual({
      url: "/bff/api/v1/shipments/0190a000-0000-7000-8000-00000000s001/ship",
      body: { carrier: "Parcelway", tracking_number: "no!" },
    });

    fireEvent.change(within(form).getByLabelText("Tracking number (optional)"), { target: { value: "PW-123456" } });
    fireEvent.click(within(form).getByRole("button", { name: "Mark shipped" }));
    await waitFor(() => expect(within(form).getByRole("alert").textContent).toContain("Tracking number PW-123456 belongs to another parcel."));

    fireEvent.change(within(form).getByLabelText("Tracking number (optional)"), { target: { value: "" } });
    fireEvent.click(within(form).getByRole("button", { name: "Mark shipped" }));
    await waitFor(() => expect(screen.queryByRole("form")).toBeNull());
    expect(sent[2]?.body).toEqual({ carrier: "Parcelway" });
    expect(within(row).getByTestId("shipment-status").textContent).toBe("Shipped");
    expect(within(row).getByTestId("shipment-tracking").textContent).toBe("PW-123456");
    expect(within(row).queryByRole("button")).toBeNull();
    expect(screen.getByTestId("ship-outcome").textContent).toContain("Order #0000ABCD is shipped with Parcelway, tracking number PW-123456.");
  });

  it("cancels a waiting parcel's order after asking, then shows the parcel cancelled once Shipping has called it back", async () => {
    const booked = apiShipment();
    const cancelled = apiShipment({
      status: "cancelled",
      journey: [...booked.journey, { status: "cancelled", location: null, at: "2025-01-02T11:00:00Z" }],
    });
    const shipmentReads = [booked, cancelled];
    const sent: { url: string; body: unknown }[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init: RequestInit = {}) => {
        if (url.endsWith("/cancel")) {
          sent.push({ url, body: JSON.parse(String(init.body)) });
          return sent.length === 1
            ? answer(409, { title: "Conflict", status: 409, detail: `order ${booked.order_id} can no longer be cancelled: the parcel has left` })
            : answer(202, apiOrder({ status: "cancelling" }));
        }
        // Still waiting on the first read after the API accepted, called back on the next.
        return answer(200, shipmentReads.length > 1 ? shipmentReads.shift() : shipmentReads[0]);
      }),
    );
    render(
      <SWRConfig value={{ provider: () => new Map() }}>
        <ShipmentTable initial={[toShipment(booked)]} />
      </SWRConfig>,
    );
    const row = screen.getByTestId("shipment-row");
    const open = within(row).getByRole("button", { name: /^Cancel…\s?order #0000ABCD$/ });
    fireEvent.click(open);
    const dialog = screen.getByRole("dialog", { name: "Cancel order #0000ABCD?" });
    expect(within(dialog).getByText("Shown to the customer on their order. Up to 200 characters.")).toBeTruthy();
    fireEvent.change(within(dialog).getByLabelText("Reason (optional)"), { target: { value: "Out of season" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Cancel order" }));
    await waitFor(() => expect(within(dialog).getByRole("alert").textContent).toContain("can no longer be cancelled: the parcel has left."));
    expect(screen.getByRole("dialog")).toBeTruthy();

    fireEvent.click(within(dialog).getByRole("button", { name: "Cancel order" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
    expect(sent).toEqual([
      { url: "/bff/api/v1/orders/0190a000-0000-7000-8000-00000000abcd/cancel", body: { reason: "Out of season" } },
      { url: "/bff/api/v1/orders/0190a000-0000-7000-8000-00000000abcd/cancel", body: { reason: "Out of season" } },
    ]);
    expect(within(row).getByTestId("shipment-cancelling").textContent).toBe("Cancelling…");
    expect(within(row).queryByRole("button")).toBeNull();
    const outcome = screen.getByTestId("ship-outcome");
    expect(outcome.textContent).toContain("Order #0000ABCD is being cancelled: its parcel stays in the warehouse and the customer's payment is given back.");
    await waitFor(() => expect(document.activeElement).toBe(outcome));

    await waitFor(() => expect(within(row).getByTestId("shipment-status").textContent).toBe("Cancelled"), { timeout: 4000 });
    expect(within(row).queryByTestId("shipment-cancelling")).toBeNull();
    expect(screen.getByTestId("ship-outcome").textContent).toContain("Order #0000ABCD is cancelled; its parcel will not ship.");
  });
});
