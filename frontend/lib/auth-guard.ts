/** Server-side sign-in requirements for pages that show a shopper's own data or admin screens. */
import "server-only";
import { forbidden, redirect } from "next/navigation";
import { cache } from "react";
import { ApiError } from "./api/problem";
import { me } from "./api/server";
import type { User } from "./api/types";
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

/** `GET /me` once per request, however many layouts and pages ask. */
const currentUser = cache((token: string) => me(token));

/**
 * The admin's token and account, asked of the API rather than read from the user cookie
 * (which only decorates the header). Anyone else never sees the page: a visitor signs in
 * first, a signed-in customer gets the 403 page (`app/forbidden.tsx`).
 */
export async function requireAdmin(path: string): Promise<{ token: string; user: User }> {
  const token = await requireToken(path);
  let user: User;
  try {
    user = await currentUser(token);
  } catch (e) {
    redirectIfUnauthorized(e, path);
    throw e;
  }
  if (user.role !== "admin") forbidden();
  return { token, user };
}

/**
 * What an admin screen at `path` shows: `load`'s answer with the admin's token, or the API's
 * refusal in words (`failure`); an expired session signs in again and comes back.
 */
export async function loadAsAdmin<T>(
  path: string,
  load: (token: string) => Promise<T>,
): Promise<{ data: T; failure: null } | { data: null; failure: string }> {
  const { token } = await requireAdmin(path);
  try {
    return { data: await load(token), failure: null };
  } catch (e) {
    redirectIfUnauthorized(e, path);
    if (!(e instanceof ApiError)) throw e;
    return { data: null, failure: e.detail };
  }
}
