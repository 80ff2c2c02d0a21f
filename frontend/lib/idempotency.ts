import { ApiError } from "./api/problem";

/** A fresh Idempotency-Key (UUID v4), also outside secure contexts where randomUUID is missing. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Whether the API gave its final answer to a keyed request: the answer it keeps for the
 * key and gives again. "Still being handled" (409), "slow down" (429) and "try again"
 * (503) are not: resending the same request with the same key is what they ask for. A
 * request that got no answer at all (the network failed) is resent with its key too.
 */
export function answeredForGood(error: unknown): boolean {
  return error instanceof ApiError && ![409, 429, 503].includes(error.status);
}
