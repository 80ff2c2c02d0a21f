/** Server-side sign-in requirements for pages that show a shopper's own data. */
import "server-only";
import { redirect } from "next/navigation";
import { ApiError } from "./api/problem";
import { sessionToken } from "./session";

/** The session token, or a redirect to sign-in that comes back to `path` afterwards. */
export async function requireToken(path: string): Promise<string> {
  const token = await sessionToken();
  if (!token) redirect(`/sign-in?next=${encodeURIComponent(path)}`);
  return token;
}

/** Sends the shopper to sign in again when the API no longer accepts the token. */
export function redirectIfUnauthorized(error: unknown, path: string): void {
  if (error instanceof ApiError && error.status === 401) {
    redirect(`/sign-in?expired=1&next=${encodeURIComponent(path)}`);
  }
}
