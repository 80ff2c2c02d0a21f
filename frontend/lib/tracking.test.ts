import { describe, expect, it } from "vitest";
import { apiShipment, apiShipmentInTransit } from "@/test/fixtures";
import { toShipment } from "./api/reshape";
import type { ShipmentStatus } from "./api/types";
import { isMoving, timeline } from "./tracking";

const view = (steps: ReturnType<typeof timeline>) => steps.map((s) => [s.status, s.location, s.state]);

describe("the parcel's timeline", () => {
  it("a booked parcel: booked is current, shipped, in transit and delivered still to come", () => {
    const steps = timeline(toShipment(apiShipment()).journey);
    expect(view(steps)).toEqual([
      ["created", null, "current"],
      ["shipped", null, "upcoming"],
      ["in_transit", null, "upcoming"],
      ["delivered", null, "upcoming"],
    ]);
    expect(steps[0]?.at).toBe("2025-01-02T10:00:05Z");
    expect(steps[1]?.at).toBeNull();
  });

  it("each scan is a step of its own, the latest current, delivery still to come", () => {
    expect(view(timeline(toShipment(apiShipmentInTransit("Leeds depot", "York hub")).journey))).toEqual([
      ["created", null, "done"],
      ["shipped", null, "done"],
      ["in_transit", "Leeds depot", "done"],
      ["in_transit", "York hub", "current"],
      ["delivered", null, "upcoming"],
    ]);
  });

  it("a delivered parcel has nothing to come; one delivered without a scan skips in transit", () => {
    const journey = [
      ...toShipment(apiShipmentInTransit()).journey,
      { status: "delivered" as const, location: null, at: "2025-01-05T12:00:00Z" },
    ];
    expect(view(timeline(journey))).toEqual([
      ["created", null, "done"],
      ["shipped", null, "done"],
      ["delivered", null, "current"],
    ]);
  });

  it("a cancelled parcel ends there", () => {
    const journey = [
      { status: "created" as const, location: null, at: "2025-01-02T10:00:05Z" },
      { status: "cancelled" as const, location: null, at: "2025-01-02T11:00:00Z" },
    ];
    expect(view(timeline(journey))).toEqual([
      ["created", null, "done"],
      ["cancelled", null, "current"],
    ]);
  });

  it("a parcel called back heads for the warehouse, not the door, and ends there", () => {
    const called = [
      ...toShipment(apiShipmentInTransit("Leeds depot")).journey,
      { status: "returning" as const, location: null, at: "2025-01-05T09:00:00Z" },
    ];
    expect(view(timeline(called))).toEqual([
      ["created", null, "done"],
      ["shipped", null, "done"],
      ["in_transit", "Leeds depot", "done"],
      ["returning", null, "current"],
      ["returned", null, "upcoming"],
    ]);
    const back = [...called, { status: "returned" as const, location: null, at: "2025-01-06T09:00:00Z" }];
    expect(view(timeline(back)).at(-1)).toEqual(["returned", null, "current"]);
    expect(timeline(back)).toHaveLength(5);
  });

  it("only a parcel still on its way is worth asking about again", () => {
    const all: ShipmentStatus[] = ["created", "shipped", "in_transit", "delivered", "cancelled", "returning", "returned"];
    expect(all.filter(isMoving)).toEqual(["created", "shipped", "in_transit", "returning"]);
  });
});
