/**
 * Shared body of the sign-in and register route handlers: call the API,
 * then keep the access token in an httpOnly cookie and hand the browser only
 * the user.
 */
import "server-only";
import { NextResponse } from "next/server";
import { ApiError } from "./api/problem";
import { problemResponse, type SignedIn } from "./api/server";
import { isHttps, isSameOrigin, readJsonObject } from "./http";
import { setSessionCookies } from "./session";

export async function handleAuth(
  request: Request,
  action: (body: Record<string, unknown>) => Promise<SignedIn>,
  successStatus: number,
): Promise<Response> {
  if (!isSameOrigin(request)) {
    return problemResponse(403, "Forbidden", "This request must come from the Emporium site.");
  }
  const body = await readJsonObject(request);
  if (!body) return problemResponse(400, "Malformed request", "The request body must be a JSON object.");
  try {
    const session = await action(body);
    const response = NextResponse.json(session.user, { status: successStatus });
    response.headers.set("cache-control", "no-store");
    setSessionCookies(response, session, isHttps(request));
    return response;
  } catch (e) {
    if (e instanceof ApiError) {
      return new Response(
        JSON.stringify({
          title: e.title,
          status: e.status,
          detail: e.detail,
          ...(e.fieldErrors.length ? { errors: e.fieldErrors } : {}),
        }),
        { status: e.status, headers: { "content-type": "application/problem+json" } },
      );
    }
    throw e;
  }
}
