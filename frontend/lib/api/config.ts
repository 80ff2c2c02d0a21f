/** Where the Emporium backend lives, read at request time so `next start` honours the env. */
export function apiBaseUrl(): string {
  const raw = process.env.EMPORIUM_API_URL?.trim() || "http://127.0.0.1:8080";
  return raw.replace(/\/+$/, "");
}

/** Longest wait for one backend call before the shopper is told the shop is unavailable. */
export const API_TIMEOUT_MS = 15_000;

/** Largest picture file the API accepts (10 MiB), checked before it decodes one. */
export const MAX_PICTURE_BYTES = 10 * 1024 * 1024;

/**
 * Largest request body passed on to the API: the largest picture and the form around it, as
 * the API itself allows. `next.config.ts` lets the proxy buffer this much (it would cut a
 * longer body short), and `/bff` refuses anything longer before reading it.
 */
export const MAX_BODY_BYTES = MAX_PICTURE_BYTES + 64 * 1024;
