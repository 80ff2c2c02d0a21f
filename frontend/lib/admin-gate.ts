/**
 * The first of the admin screens' two gates, run by `proxy.ts`: a request for `/admin`
 * without a session goes to sign-in with the exact page (and its query) to come back to.
 * The role is checked where the page renders (`requireAdmin`), against the API.
 */

/** True for `/admin` and everything below it. */
export function isAdminPath(pathname: string): boolean {
  return pathname === "/admin" || pathname.startsWith("/admin/");
}

/** Where to send a request without a session, or null to let it through. */
export function adminSignInPath(url: URL, hasSession: boolean): string | null {
  if (hasSession || !isAdminPath(url.pathname)) return null;
  return `/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`;
}
