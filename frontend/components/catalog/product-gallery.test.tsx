// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { toProductImage } from "@/lib/api/reshape";
import { apiImage } from "@/test/fixtures";
import { ProductGallery } from "./product-gallery";

afterEach(cleanup);

const front = toProductImage(apiImage({ id: "0190a000-0000-7000-8000-0000000001a1", alt: "The mug from the front" }));
const side = toProductImage(apiImage({ id: "0190a000-0000-7000-8000-0000000001a2", alt: "The mug from the side" }));

describe("ProductGallery", () => {
  it("shows the cover large, sized before it loads, and switches with the thumbnails", () => {
    render(<ProductGallery sku="MUG-001" name="Stoneware Mug" images={[front, side]} />);
    const large = screen.getByTestId("gallery-picture");
    expect(large.getAttribute("src")).toBe(front.largeUrl);
    expect(large.getAttribute("alt")).toBe("The mug from the front");
    expect([large.getAttribute("width"), large.getAttribute("height")]).toEqual(["1200", "900"]);

    const [first, second] = screen.getAllByRole("button");
    expect(first?.getAttribute("aria-pressed")).toBe("true");
    expect(second?.textContent).toBe("Picture 2 of 2: The mug from the side");
    fireEvent.click(second as HTMLElement);
    expect(second?.getAttribute("aria-pressed")).toBe("true");
    expect(first?.getAttribute("aria-pressed")).toBe("false");
    expect(large.getAttribute("src")).toBe(side.largeUrl);
    expect(large.getAttribute("alt")).toBe("The mug from the side");
  });

  it("offers no thumbnails for a single picture", () => {
    render(<ProductGallery sku="MUG-001" name="Stoneware Mug" images={[front]} />);
    expect(screen.getByRole("img").getAttribute("src")).toBe(front.largeUrl);
    expect(screen.queryByRole("button")).toBeNull();
  });

  it("shows the drawn tile, and no picture, for a product without any", () => {
    render(<ProductGallery sku="MUG-001" name="Stoneware Mug" images={[]} />);
    expect(screen.queryByRole("img")).toBeNull();
    expect(screen.getByText("SM")).toBeTruthy();
  });
});
