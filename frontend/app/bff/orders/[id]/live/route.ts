import type { NextRequest } from "next/server";
import { problemResponse } from "@/lib/api/server";
import { isSameOrigin } from "@/lib/http";
import { orderUpdates } from "@/lib/order-updates";
import { TOKEN_COOKIE } from "@/lib/session";

type Context = { params: Promise<{ id: string }> };

/** The order's live updates as Server-Sent Events (see `lib/order-updates.ts`). */
export async function GET(request: NextRequest, context: Context): Promise<Response> {
  if (!isSameOrigin(request)) {
    return problemResponse(403, "Forbidden", "This request must come from the Emporium site.");
  }
  const token = request.cookies.get(TOKEN_COOKIE)?.value;
  if (!token) return problemResponse(401, "Authentication required", "Sign in to follow your order.");
  const { id } = await context.params;
  const stream = orderUpdates(token, id, request.headers.get("x-forwarded-for"), request.signal);
  return new Response(stream, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-store", "x-accel-buffering": "no" },
  });
}
