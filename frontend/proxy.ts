/**
 * Runs before every page, data and BFF request: gives the response its
 * Content-Security-Policy with a fresh nonce (`lib/content-policy.ts`), and refreshes an
 * expired session (`lib/silent-refresh.ts`).
 */
import { NextResponse, type NextRequest } from "next/server";
import { contentPolicy, newNonce } from "@/lib/content-policy";
import { isHttps } from "@/lib/http";
import { refreshExpiredSession } from "@/lib/silent-refresh";

export async function proxy(request: NextRequest) {
  const policy = contentPolicy(newNonce(), {
    https: isHttps(request),
    development: process.env.NODE_ENV === "development",
  });
  // On the request, so Next.js puts the nonce on the scripts it renders.
  request.headers.set("content-security-policy", policy);
  // The sign-in, register and sign-out handlers replace the session themselves.
  const response = request.nextUrl.pathname.startsWith("/auth/")
    ? NextResponse.next({ request: { headers: request.headers } })
    : await refreshExpiredSession(request);
  response.headers.set("content-security-policy", policy);
  return response;
}

export const config = {
  matcher: [
    {
      source: "/((?!_next/static|_next/image|favicon\\.ico).*)",
      // Prefetches render nothing a browser runs now; their page gets its own nonce.
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
