import { describe, expect, it } from "vitest";
import { pixelInGrid, stepPixel } from "../../src/lib/pixels";

describe("keyboard steps", () => {
  it("moves the crosshair within the grid, starting from the centre", () => {
    expect(stepPixel(null, "ArrowUp", 8, 6)).toEqual([3, 3]);
    expect(stepPixel([0, 0], "ArrowUp", 8, 6)).toEqual([0, 0]);
    expect(stepPixel([7, 5], "ArrowRight", 8, 6)).toEqual([7, 5]);
    expect(stepPixel([7, 5], "ArrowLeft", 8, 6)).toEqual([7, 4]);
    expect(stepPixel([7, 5], "Enter", 8, 6)).toBeNull();
  });

  it("accepts only whole pixels inside the grid", () => {
    expect(pixelInGrid([1, 2], 4, 4)).toEqual([1, 2]);
    expect(pixelInGrid([], 4, 4)).toBeNull();
    expect(pixelInGrid([4, 0], 4, 4)).toBeNull();
    expect(pixelInGrid([1.5, 0], 4, 4)).toBeNull();
    expect(pixelInGrid(null, 4, 4)).toBeNull();
  });
});
