import { describe, expect, it } from "vitest";
import { shipErrorsByInput, toShipBody } from "./ship-form";

describe("the Mark shipped form", () => {
  it("sends the carrier trimmed, and a tracking number only when one is typed", () => {
    expect(toShipBody({ carrier: "  Parcelway ", trackingNumber: "  " })).toEqual({ carrier: "Parcelway" });
    expect(toShipBody({ carrier: "Parcelway", trackingNumber: " pw-1234567 " })).toEqual({
      carrier: "Parcelway",
      tracking_number: "pw-1234567",
    });
  });

  it("puts the API's field errors beside their inputs, any other above the form", () => {
    expect(
      shipErrorsByInput([
        { field: "carrier", message: "must be 1 to 60 characters, without control characters" },
        { field: "tracking_number", message: "must be 6 to 40 letters, digits or -" },
        { field: "weight", message: "is odd" },
      ]),
    ).toEqual({
      carrier: "Must be 1 to 60 characters, without control characters.",
      trackingNumber: "Must be 6 to 40 letters, digits or -.",
      form: "weight: is odd",
    });
  });
});
