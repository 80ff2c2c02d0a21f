// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { toShipment } from "@/lib/api/reshape";
import { apiShipment, apiShipmentInTransit } from "@/test/fixtures";
import { ShipmentTable } from "./shipment-table";

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
});
