import { describe, expect, it } from "vitest";
import { FORM_LEVEL } from "./product-form";
import { pictureFieldErrors, pictureFileProblem } from "./pictures";

const MIB = 1024 * 1024;

describe("pictureFileProblem", () => {
  it("accepts a picture of a type the API decodes, up to 10 MB", () => {
    expect(pictureFileProblem({ name: "mug.png", size: 10 * MIB, type: "image/png" })).toBeNull();
    expect(pictureFileProblem({ name: "mug.webp", size: 2048, type: "image/webp" })).toBeNull();
  });

  it("refuses a file larger than the API takes, saying how large it is", () => {
    expect(pictureFileProblem({ name: "huge.jpg", size: 10 * MIB + 1, type: "image/jpeg" })).toBe(
      "“huge.jpg” is 10.1 MB; a picture can be at most 10 MB.",
    );
  });

  it("refuses an empty file and one of another type", () => {
    expect(pictureFileProblem({ name: "blank.png", size: 0, type: "image/png" })).toBe("“blank.png” is empty.");
    expect(pictureFileProblem({ name: "logo.svg", size: 900, type: "image/svg+xml" })).toMatch(/not a JPEG, PNG, WebP or GIF/);
  });

  it("leaves a file whose type the browser cannot tell to the API", () => {
    expect(pictureFileProblem({ name: "photo", size: 900, type: "" })).toBeNull();
  });
});

describe("pictureFieldErrors", () => {
  it("names the input each message is about, as a sentence", () => {
    expect(
      pictureFieldErrors([
        { field: "file", message: "is 40×40 pixels; at least 64 on each side is needed" },
        { field: "alt", message: "is longer than 200 characters" },
      ]),
    ).toEqual({
      file: "The file is 40×40 pixels; at least 64 on each side is needed.",
      alt: "The alt text is longer than 200 characters.",
    });
  });

  it("reports a field the form has no input for at the form's level", () => {
    expect(pictureFieldErrors([{ field: "caption", message: "is not a field of this form; send file and alt" }])).toEqual({
      [FORM_LEVEL]: "caption is not a field of this form; send file and alt.",
    });
  });
});
