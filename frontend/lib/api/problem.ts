/**
 * Turning failed API answers into errors a shopper can read.
 *
 * The API answers every error with an RFC 9457 problem document; its `detail`
 * is written for people, so it is shown as is. When there is no usable
 * document (a proxy error page, a dropped connection) a plain sentence chosen
 * from the status code takes its place.
 */
import type { ProblemDocument } from "./types";

export interface FieldError {
  field: string;
  message: string;
}

/** A failed API call, carrying the parsed problem document. */
export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly type: string | null;
  /** The API's machine-readable reason for a refusal (e.g. `shipping_unavailable`), when it gives one. */
  readonly code: string | null;
  readonly fieldErrors: FieldError[];

  constructor(status: number, problem: ProblemDocument | null) {
    const detail = readableDetail(status, problem);
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.title = nonEmpty(problem?.title) ?? defaultTitle(status);
    this.detail = detail;
    this.type = nonEmpty(problem?.type);
    this.code = nonEmpty(problem?.code);
    this.fieldErrors = parseFieldErrors(problem?.errors);
  }

  /** Message for one form field (e.g. `shipping_address.country`), if the API sent one. */
  fieldMessage(field: string): string | undefined {
    return this.fieldErrors.find((e) => e.field === field)?.message;
  }
}

/** Status used when the backend could not be reached at all. */
export const UNREACHABLE_STATUS = 503;

/** An error for a request that never got an answer (connection refused, DNS, abort). */
export function unreachable(): ApiError {
  return new ApiError(UNREACHABLE_STATUS, {
    title: "Shop unavailable",
    detail: "We couldn't reach the shop just now. Please try again in a moment.",
  });
}

/**
 * Reads a problem document from a response body. Accepts any JSON object with
 * problem fields, because some servers send `application/json` for errors.
 */
export function parseProblem(body: unknown): ProblemDocument | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return null;
  const record = body as Record<string, unknown>;
  const problem: ProblemDocument = {};
  if (typeof record.type === "string") problem.type = record.type;
  if (typeof record.title === "string") problem.title = record.title;
  if (typeof record.status === "number") problem.status = record.status;
  if (typeof record.detail === "string") problem.detail = record.detail;
  if (typeof record.code === "string") problem.code = record.code;
  if (Array.isArray(record.errors)) problem.errors = parseFieldErrors(record.errors);
  const hasAny =
    problem.type !== undefined ||
    problem.title !== undefined ||
    problem.detail !== undefined ||
    problem.errors !== undefined;
  return hasAny ? problem : null;
}

/** Builds an ApiError from a non-2xx response, whatever its body holds. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    const text = await response.text();
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return new ApiError(response.status, parseProblem(body));
}

/** Plain-words text for anything thrown by an API call. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.detail;
  return "Something went wrong. Please try again.";
}

function parseFieldErrors(errors: unknown): FieldError[] {
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((e: unknown) => {
    if (typeof e !== "object" || e === null) return [];
    const { field, message } = e as Record<string, unknown>;
    return typeof field === "string" && typeof message === "string" ? [{ field, message }] : [];
  });
}

function readableDetail(status: number, problem: ProblemDocument | null): string {
  const detail = nonEmpty(problem?.detail);
  if (detail) return sentence(detail);
  const title = nonEmpty(problem?.title);
  if (title && status < 500) return sentence(title);
  return defaultDetail(status);
}

function defaultDetail(status: number): string {
  switch (status) {
    case 400:
      return "The request could not be understood. Please check what you entered.";
    case 401:
      return "Please sign in to continue.";
    case 403:
      return "Your account is not allowed to do that.";
    case 404:
      return "We couldn't find what you were looking for.";
    case 409:
      return "That conflicts with something that changed meanwhile. Please try again.";
    case 422:
      return "Some details are not valid. Please check what you entered.";
    case 429:
      return "Too many requests. Please wait a moment and try again.";
    default:
      return status >= 500
        ? "The shop ran into a problem. Please try again in a moment."
        : "Something went wrong. Please try again.";
  }
}

function defaultTitle(status: number): string {
  if (status === 404) return "Not found";
  if (status === 401) return "Sign-in required";
  if (status >= 500) return "Server problem";
  return "Request failed";
}

function nonEmpty(value: string | undefined | null): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

/** Capitalises the first letter and ends with a full stop, so API phrases read as sentences. */
function sentence(text: string): string {
  const first = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}
