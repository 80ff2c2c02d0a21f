/**
 * The signed-in session lives in httpOnly cookies so the browser's scripts
 * never see the access token. Only route handlers write them; server
 * components read them.
 */
import "server-only";
import { cookies } from "next/headers";
import type { NextResponse } from "next/server";
import type { User } from "./api/types";

export const TOKEN_COOKIE = "emporium_session";
export const USER_COOKIE = "emporium_user";
/** The refresh token: buys the next access token when the first cookie has expired. */
export const REFRESH_COOKIE = "emporium_refresh";

export interface StoredSession {
  token: string;
  user: User;
  expiresInSeconds: number;
  refreshToken: string;
  refreshExpiresInSeconds: number;
}

function encodeUser(user: User): string {
  return Buffer.from(JSON.stringify(user), "utf8").toString("base64url");
}

export function decodeUser(value: string | undefined): User | null {
  if (!value) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
    if (typeof parsed !== "object" || parsed === null) return null;
    const { id, email, name, role } = parsed as Record<string, unknown>;
    if (typeof id !== "string" || typeof email !== "string" || typeof name !== "string") return null;
    if (role !== "customer" && role !== "admin") return null;
    return { id, email, name, role };
  } catch {
    return null;
  }
}

/**
 * Writes the session's cookies. The access token's expires a minute before the token
 * does, so the proxy refreshes it before the API would refuse it; the user and refresh
 * cookies last as long as the refresh token.
 */
export function setSessionCookies(response: NextResponse, session: StoredSession, secure: boolean) {
  const options = { httpOnly: true, sameSite: "lax" as const, secure, path: "/" };
  const lasting = { ...options, maxAge: Math.max(60, Math.floor(session.refreshExpiresInSeconds)) };
  response.cookies.set(TOKEN_COOKIE, session.token, {
    ...options,
    maxAge: Math.max(30, Math.floor(session.expiresInSeconds) - 60),
  });
  response.cookies.set(USER_COOKIE, encodeUser(session.user), lasting);
  response.cookies.set(REFRESH_COOKIE, session.refreshToken, lasting);
}

export function clearSessionCookies(response: NextResponse) {
  for (const name of [TOKEN_COOKIE, USER_COOKIE, REFRESH_COOKIE]) {
    response.cookies.set(name, "", { path: "/", maxAge: 0 });
  }
}

/** Token for backend calls made while rendering, or null when signed out. */
export async function sessionToken(): Promise<string | null> {
  const store = await cookies();
  return store.get(TOKEN_COOKIE)?.value || null;
}

/** The signed-in shopper as remembered at sign-in, for display only. */
export async function sessionUser(): Promise<User | null> {
  const store = await cookies();
  if (!store.get(TOKEN_COOKIE)?.value) return null;
  return decodeUser(store.get(USER_COOKIE)?.value);
}
