import { describe, expect, it } from "vitest";
import { apiOrder, apiShipment, apiShipmentInTransit } from "@/test/fixtures";
import { toOrder, toShipment } from "./api/reshape";
import { canCancel, cancelErrorsByInput, returnsToSender, toCancelBody } from "./order-cancel";

const completed = toOrder(apiOrder({ status: "completed", shipment_id: "0190a000-0000-7000-8000-00000000s001" }));

describe("when an order can be cancelled", () => {
  it("is offered for a completed order whose parcel waits to ship, or is not known yet", () => {
    expect(canCancel(completed, toShipment(apiShipment()))).toBe(true);
    expect(canCancel(completed, null)).toBe(true);
  });

  it("is not offered to a shopper once the parcel has left", () => {
    expect(canCancel(completed, toShipment(apiShipmentInTransit()))).toBe(false);
    expect(canCancel(completed, toShipment(apiShipment({ status: "cancelled" })))).toBe(false);
  });

  it("is offered to an admin until the parcel is delivered, as a return to sender once it has left", () => {
    const onItsWay = toShipment(apiShipmentInTransit());
    expect(canCancel(completed, onItsWay, "admin")).toBe(true);
    expect(returnsToSender(onItsWay)).toBe(true);
    expect(canCancel(completed, toShipment(apiShipment()), "admin")).toBe(true);
    expect(returnsToSender(toShipment(apiShipment()))).toBe(false);
    for (const status of ["delivered", "returning", "returned", "cancelled"] as const) {
      expect(canCancel(completed, toShipment(apiShipment({ status })), "admin"), status).toBe(false);
    }
    const delivered = toOrder(apiOrder({ status: "delivered" }));
    expect(canCancel(delivered, toShipment(apiShipment({ status: "delivered" })), "admin")).toBe(false);
  });

  it("is not offered while the order is placed, being cancelled, cancelled or delivered", () => {
    for (const status of ["placed", "confirmed", "cancelling", "cancelled", "delivered"]) {
      expect(canCancel(toOrder(apiOrder({ status })), null), status).toBe(false);
    }
  });

  it("is not offered again once a cancellation was refused", () => {
    const refused = toOrder(apiOrder({ status: "completed", cancellation_refused: "The parcel has left with the carrier." }));
    expect(canCancel(refused, toShipment(apiShipment()))).toBe(false);
  });
});

describe("the cancellation's reason", () => {
  it("is sent trimmed, its line breaks as spaces, and not at all when left empty", () => {
    expect(toCancelBody("  Ordered the wrong size \n\n by mistake ")).toEqual({
      ok: true,
      value: { reason: "Ordered the wrong size by mistake" },
    });
    expect(toCancelBody(" \n ")).toEqual({ ok: true, value: {} });
  });

  it("counts characters as the API does, and refuses control characters", () => {
    expect(toCancelBody("📦".repeat(200)).ok).toBe(true);
    expect(toCancelBody("x".repeat(201))).toEqual({ ok: false, errors: { reason: "Keep the reason to 200 characters or fewer." } });
    expect(toCancelBody("bell\u0007")).toEqual({ ok: false, errors: { reason: "The reason cannot hold control characters." } });
  });

  it("puts the API's error on the reason beside it, any other above it", () => {
    expect(
      cancelErrorsByInput([
        { field: "reason", message: "must be at most 200 characters, without control characters" },
        { field: "id", message: "is not a UUID" },
      ]),
    ).toEqual({ reason: "Must be at most 200 characters, without control characters.", form: "id: is not a UUID" });
  });
});
