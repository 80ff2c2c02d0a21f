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

export interface StoredSession {
  token: string;
  user: User;
  expiresInSeconds: number;
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

/** Writes both cookies; they expire together with the access token. */
export function setSessionCookies(response: NextResponse, session: StoredSession, secure: boolean) {
  const options = {
    httpOnly: true,
    sameSite: "lax" as const,
    secure,
    path: "/",
    maxAge: Math.max(60, Math.floor(session.expiresInSeconds)),
  };
  response.cookies.set(TOKEN_COOKIE, session.token, options);
  response.cookies.set(USER_COOKIE, encodeUser(session.user), options);
}

export function clearSessionCookies(response: NextResponse) {
  response.cookies.set(TOKEN_COOKIE, "", { path: "/", maxAge: 0 });
  response.cookies.set(USER_COOKIE, "", { path: "/", maxAge: 0 });
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
