/**
 * Keeps a shopper signed in past the access token's 15 minutes: when a request comes
 * without the access cookie (it expired) but with a refresh cookie, the refresh token is
 * traded for the next session before the page renders, and the new cookies go both to the
 * browser and to this request. Used by `proxy.ts`.
 */
import "server-only";
import { NextResponse, type NextRequest } from "next/server";
import { ApiError } from "./api/problem";
import { refreshSession, type SignedIn } from "./api/server";
import { isHttps } from "./http";
import { REFRESH_COOKIE, TOKEN_COOKIE, USER_COOKIE, clearSessionCookies, setSessionCookies } from "./session";

/**
 * Refreshes in flight, by refresh token. A page load sends several requests at once (the
 * document, its data, prefetches); they must share one refresh, because the API treats a
 * refresh token offered twice as stolen and ends the sign-in. Kept a little after they
 * settle for the requests that were already on their way with the old cookie.
 */
const inFlight = new Map<string, Promise<SignedIn>>();
const SHARED_FOR_MS = 10_000;

function refreshOnce(refreshToken: string, forwarded: string | null): Promise<SignedIn> {
  let pending = inFlight.get(refreshToken);
  if (!pending) {
    pending = refreshSession(refreshToken, forwarded);
    inFlight.set(refreshToken, pending);
    const forget = () => {
      setTimeout(() => inFlight.delete(refreshToken), SHARED_FOR_MS).unref?.();
    };
    pending.then(forget, forget);
  }
  return pending;
}

/**
 * Lets the request through (with whatever its headers carry, including changes made
 * before), refreshing its session first when the access cookie has expired.
 */
export async function refreshExpiredSession(request: NextRequest): Promise<NextResponse> {
  const onward = () => NextResponse.next({ request: { headers: request.headers } });
  const refreshToken = request.cookies.get(REFRESH_COOKIE)?.value;
  if (request.cookies.get(TOKEN_COOKIE)?.value || !refreshToken) return onward();
  try {
    const session = await refreshOnce(refreshToken, request.headers.get("x-forwarded-for"));
    request.cookies.set(TOKEN_COOKIE, session.token);
    const response = onward();
    setSessionCookies(response, session, isHttps(request));
    return response;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      // Expired, revoked or reused: the shopper is signed out, and the page sees it.
      for (const name of [REFRESH_COOKIE, USER_COOKIE]) request.cookies.delete(name);
      const response = onward();
      clearSessionCookies(response);
      return response;
    }
    // The API is unreachable or busy: render signed out this time, try again next request.
    return onward();
  }
}
