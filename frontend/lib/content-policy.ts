/**
 * The storefront's Content-Security-Policy: scripts run only when they carry this
 * response's nonce (Next.js puts it on its own scripts when it finds the policy on the
 * request), or when such a script loads them; nothing is loaded from other sites; no
 * site may frame the shop; forms post only to it.
 *
 * Styles allow inline `style` attributes (the product art's colours): a nonce cannot cover
 * attributes, and injected styles cannot run code.
 */
export function contentPolicy(nonce: string, options: { https: boolean; development: boolean }): string {
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.development ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ];
  if (options.https) directives.push("upgrade-insecure-requests");
  return directives.join("; ");
}

/** A fresh, unguessable nonce (128 random bits) for one response. */
export function newNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
}
