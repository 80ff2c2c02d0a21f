import { NextResponse } from "next/server";
import { problemResponse } from "@/lib/api/server";
import { isSameOrigin } from "@/lib/http";
import { clearSessionCookies } from "@/lib/session";

/** Forgets the session. A plain form post (the header button) is sent back to the shop. */
export async function POST(request: Request) {
  if (!isSameOrigin(request)) {
    return problemResponse(403, "Forbidden", "This request must come from the Emporium site.");
  }
  const wantsJson = request.headers.get("accept")?.includes("application/json") ?? false;
  const response = wantsJson
    ? new NextResponse(null, { status: 204 })
    : new NextResponse(null, { status: 303, headers: { location: "/" } });
  clearSessionCookies(response);
  return response;
}
