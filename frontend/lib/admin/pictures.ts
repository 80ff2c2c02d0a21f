/**
 * The rules of the admin's picture upload that can be told before sending: which files the
 * API takes and how large, and the API's field errors turned into sentences beside their
 * inputs. The API decides in the end (it reads the file's content, not its name or type).
 */
import type { FieldError } from "../api/problem";
import { MAX_PICTURE_BYTES } from "../api/config";
import { FORM_LEVEL, type FieldErrors } from "./product-form";

/** The media types the API decodes; the file input offers only these. */
export const PICTURE_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif"] as const;

/** Most pictures one product's gallery holds. */
export const MAX_PICTURES = 12;

/** Longest alt text the API keeps. */
export const MAX_ALT_CHARS = 200;

const MIB = 1024 * 1024;

/** "12.4 MB": one decimal, so a file just over the limit does not read as exactly at it. */
function megabytes(bytes: number): string {
  return `${(Math.ceil((bytes / MIB) * 10) / 10).toLocaleString("en-US")} MB`;
}

/** Why `file` cannot be uploaded, or null when it is worth sending. */
export function pictureFileProblem(file: { name: string; size: number; type: string }): string | null {
  if (file.size === 0) return `“${file.name}” is empty.`;
  if (file.size > MAX_PICTURE_BYTES) {
    return `“${file.name}” is ${megabytes(file.size)}; a picture can be at most ${MAX_PICTURE_BYTES / MIB} MB.`;
  }
  // A browser that cannot tell the type leaves it empty; the API then judges by the content.
  if (file.type && !(PICTURE_TYPES as readonly string[]).includes(file.type)) {
    return `“${file.name}” is not a JPEG, PNG, WebP or GIF picture.`;
  }
  return null;
}

/** What the form calls each field the API names in its errors. */
const SUBJECTS: Record<string, string> = { file: "The file", alt: "The alt text" };

/**
 * The API's field errors for an upload (`file`, `alt`) as sentences by input; any other
 * field is reported at the form's level with its name.
 */
export function pictureFieldErrors(errors: readonly FieldError[]): FieldErrors {
  const byInput: FieldErrors = {};
  for (const { field, message } of errors) {
    const subject = SUBJECTS[field];
    const input = subject ? field : FORM_LEVEL;
    const text = `${subject ?? field} ${message.trim()}`.replace(/[^.!?]$/, "$&.");
    byInput[input] = byInput[input] ? `${byInput[input]} ${text}` : text;
  }
  return byInput;
}
