/**
 * A parcel's journey as the order page's timeline shows it: every step so far, oldest first,
 * the latest one current, then the stages still to come, so a shopper sees how far it has
 * yet to go. The carrier scans a parcel many times on its way; each scan is a step of its own.
 */
import type { Shipment, ShipmentStatus } from "./api/types";

export interface TimelineStep {
  status: ShipmentStatus;
  location: string | null;
  /** Null for a stage still to come. */
  at: string | null;
  state: "done" | "current" | "upcoming";
}

/**
 * The stages of every delivered parcel, in order; `cancelled` ends a journey before its end,
 * and a parcel called back (`returning`) goes on to `returned` instead of the customer's door.
 */
const STAGES: readonly ShipmentStatus[] = ["created", "shipped", "in_transit", "delivered"];

export function timeline(journey: Shipment["journey"]): TimelineStep[] {
  const past = journey.map(
    (step, i): TimelineStep => ({ ...step, state: i === journey.length - 1 ? "current" : "done" }),
  );
  const latest = journey.at(-1)?.status;
  if (latest === "cancelled" || latest === "returned") return past;
  if (latest === "returning") {
    return [...past, { status: "returned", location: null, at: null, state: "upcoming" }];
  }
  const next = latest ? STAGES.indexOf(latest) + 1 : 0;
  const upcoming = STAGES.slice(next).map((status): TimelineStep => ({ status, location: null, at: null, state: "upcoming" }));
  return [...past, ...upcoming];
}

/** Statuses in which a parcel may still move, so its page keeps asking where it is. */
const MOVING: readonly ShipmentStatus[] = ["created", "shipped", "in_transit", "returning"];

export function isMoving(status: ShipmentStatus): boolean {
  return MOVING.includes(status);
}
