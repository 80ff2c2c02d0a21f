/** Where the Emporium backend lives, read at request time so `next start` honours the env. */
export function apiBaseUrl(): string {
  const raw = process.env.EMPORIUM_API_URL?.trim() || "http://127.0.0.1:8080";
  return raw.replace(/\/+$/, "");
}

/** Longest wait for one backend call before the shopper is told the shop is unavailable. */
export const API_TIMEOUT_MS = 15_000;
