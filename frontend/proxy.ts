/**
 * Runs before every page, data and BFF request: gives the response its
 * Content-Security-Policy with a fresh nonce (`lib/content-policy.ts`), refreshes an
 * expired session (`lib/silent-refresh.ts`), and sends a visitor without a session away
 * from the admin screens to sign in (`lib/admin-gate.ts`).
 */
import { NextResponse, type NextRequest } from "next/server";
import { adminSignInPath } from "@/lib/admin-gate";
import { contentPolicy, newNonce } from "@/lib/content-policy";
import { isHttps } from "@/lib/http";
import { TOKEN_COOKIE } from "@/lib/session";
import { refreshExpiredSession } from "@/lib/silent-refresh";

export async function proxy(request: NextRequest) {
  const policy = contentPolicy(newNonce(), {
    https: isHttps(request),
    development: process.env.NODE_ENV === "development",
  });
  // On the request, so Next.js puts the nonce on the scripts it renders.
  request.headers.set("content-security-policy", policy);
  // The sign-in, register and sign-out handlers replace the session themselves.
  let response = request.nextUrl.pathname.startsWith("/auth/")
    ? NextResponse.next({ request: { headers: request.headers } })
    : await refreshExpiredSession(request);
  // After the refresh, so a shopper whose access cookie merely expired is not sent away.
  const signIn = adminSignInPath(request.nextUrl, Boolean(request.cookies.get(TOKEN_COOKIE)?.value));
  if (signIn) {
    const redirect = NextResponse.redirect(new URL(signIn, request.url));
    // Keep cookies the refresh cleared.
    for (const cookie of response.cookies.getAll()) redirect.cookies.set(cookie);
    response = redirect;
  }
  response.headers.set("content-security-policy", policy);
  return response;
}

export const config = {
  matcher: [
    {
      // Pictures (`app/api/v1/images`) are neither pages nor signed in: no policy or session to keep.
      source: "/((?!_next/static|_next/image|favicon\\.ico|api/v1/images/).*)",
      // Prefetches render nothing a browser runs now; their page gets its own nonce.
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
