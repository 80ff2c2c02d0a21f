import { NextResponse, type NextRequest } from "next/server";
import { logout, problemResponse } from "@/lib/api/server";
import { isSameOrigin } from "@/lib/http";
import { REFRESH_COOKIE, clearSessionCookies } from "@/lib/session";

/**
 * Signs out: the API revokes the refresh token (and every token of the same sign-in), and
 * the cookies are cleared. A plain form post (the header button) is sent back to the shop.
 */
export async function POST(request: NextRequest) {
  if (!isSameOrigin(request)) {
    return problemResponse(403, "Forbidden", "This request must come from the Emporium site.");
  }
  const refreshToken = request.cookies.get(REFRESH_COOKIE)?.value;
  if (refreshToken) {
    try {
      await logout(refreshToken);
    } catch (error) {
      // The cookies go anyway; the token then expires unused.
      console.error(`emporium sign-out: the refresh token was not revoked: ${String(error)}`);
    }
  }
  const wantsJson = request.headers.get("accept")?.includes("application/json") ?? false;
  const response = wantsJson
    ? new NextResponse(null, { status: 204 })
    : new NextResponse(null, { status: 303, headers: { location: "/" } });
  clearSessionCookies(response);
  return response;
}
