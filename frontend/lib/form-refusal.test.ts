import { describe, expect, it } from "vitest";
import { ApiError } from "@/lib/api/problem";
import { formRefusal } from "@/lib/form-refusal";

const wording = {
  invalid: "Fix the marked fields.",
  sessionEnded: "Sign in again.",
  byInput: (errors: readonly { field: string; message: string }[]) =>
    Object.fromEntries(errors.map((e) => [`input-${e.field}`, e.message])),
};

function problem(status: number, detail: string, errors: { field: string; message: string }[] = []) {
  return new ApiError(status, { status, title: "t", detail, type: "about:blank", errors });
}

describe("formRefusal", () => {
  it("puts a 422's field errors beside the form's own inputs", () => {
    const refused = formRefusal(problem(422, "invalid", [{ field: "note", message: "too long" }]), wording);
    expect(refused).toEqual({ message: "Fix the marked fields.", errors: { "input-note": "too long" } });
  });

  it("words an ended session the form's way", () => {
    expect(formRefusal(problem(401, "token expired"), wording)).toEqual({ message: "Sign in again.", errors: {} });
  });

  it("shows anything else, such as a 409, by its detail as a sentence", () => {
    expect(formRefusal(problem(409, "only 2 units can be set aside"), wording)).toEqual({
      message: "Only 2 units can be set aside.",
      errors: {},
    });
  });
});
