/**
 * Backend-for-frontend: the browser calls /bff/api/v1/... and this handler
 * forwards to the Emporium API with the bearer token from the httpOnly
 * session cookie, so client code never holds the token.
 */
import type { NextRequest } from "next/server";
import { forward, problemResponse } from "@/lib/api/server";
import { isSameOrigin } from "@/lib/http";
import { TOKEN_COOKIE } from "@/lib/session";

type Context = { params: Promise<{ path: string[] }> };

async function handle(request: NextRequest, context: Context): Promise<Response> {
  if (!isSameOrigin(request)) {
    return problemResponse(403, "Forbidden", "This request must come from the Emporium site.");
  }
  const { path } = await context.params;
  const token = request.cookies.get(TOKEN_COOKIE)?.value || null;
  return forward(request, path, token);
}

export const GET = handle;
export const POST = handle;
export const PUT = handle;
export const PATCH = handle;
export const DELETE = handle;
