import { describe, expect, it } from "vitest";
import { ApiError, errorFromResponse, errorMessage, parseProblem } from "./problem";

function response(status: number, body: string, type = "application/problem+json") {
  return new Response(body, { status, headers: { "content-type": type } });
}

describe("problem documents", () => {
  it("shows the API's detail as a sentence", async () => {
    const error = await errorFromResponse(
      response(
        422,
        JSON.stringify({
          type: "https://emporium.dev/problems/validation",
          title: "Invalid request",
          status: 422,
          detail: "quantity must be at least 1",
          errors: [{ field: "lines[0].quantity", message: "must be at least 1" }],
        }),
      ),
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(422);
    expect(error.detail).toBe("Quantity must be at least 1.");
    expect(error.fieldMessage("lines[0].quantity")).toBe("must be at least 1");
    expect(errorMessage(error)).toBe("Quantity must be at least 1.");
  });

  it("keeps the machine-readable code of a refusal", async () => {
    const error = await errorFromResponse(
      response(422, JSON.stringify({ title: "Rejected", status: 422, detail: "We do not ship this cart to AQ.", code: "shipping_unavailable" })),
    );
    expect(error.code).toBe("shipping_unavailable");
    expect(error.detail).toBe("We do not ship this cart to AQ.");
    expect(new ApiError(422, { detail: "x" }).code).toBeNull();
  });

  it("falls back to plain words when the body is not a problem document", async () => {
    const error = await errorFromResponse(response(502, "<html>Bad gateway</html>", "text/html"));
    expect(error.detail).toBe("The shop ran into a problem. Please try again in a moment.");
    const missing = await errorFromResponse(response(404, ""));
    expect(missing.detail).toBe("We couldn't find what you were looking for.");
  });

  it("uses the title when there is no detail, but never for server faults", () => {
    expect(new ApiError(409, { title: "Email already registered" }).detail).toBe("Email already registered.");
    expect(new ApiError(500, { title: "Internal Server Error" }).detail).toMatch(/ran into a problem/);
  });

  it("parses only problem-shaped objects", () => {
    expect(parseProblem(null)).toBeNull();
    expect(parseProblem([1, 2])).toBeNull();
    expect(parseProblem({ foo: 1 })).toBeNull();
    expect(parseProblem({ detail: "x", errors: [{ field: "a", message: "b" }, { bad: true }] })).toEqual({
      detail: "x",
      errors: [{ field: "a", message: "b" }],
    });
  });

  it("anything else thrown reads as a generic sentence", () => {
    expect(errorMessage(new TypeError("fetch failed"))).toBe("Something went wrong. Please try again.");
  });
});
