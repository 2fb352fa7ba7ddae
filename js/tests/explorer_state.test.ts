import { describe, expect, it } from "vitest";
import { thumbnailPixels } from "../src/explorer/gallery";
import {
  effectiveSign,
  galleryLabel,
  legendLabels,
  panelStatusLine,
  pixelInGrid,
  resolveColormap,
  stepIndex,
  stepPixel,
  tileSize,
} from "../src/explorer/state";

describe("colormap choice", () => {
  it("resolves auto to a diverging map for signed panels and a sequential one otherwise", () => {
    expect(resolveColormap("auto", true)).toBe("RdBu_r");
    expect(resolveColormap("auto", false)).toBe("inferno");
    expect(resolveColormap(undefined, false)).toBe("inferno");
  });

  it("applies a named map to every panel and treats an unknown name as auto", () => {
    expect(resolveColormap("viridis", true)).toBe("viridis");
    expect(resolveColormap("viridis", false)).toBe("viridis");
    expect(resolveColormap("jet", true)).toBe("RdBu_r");
  });

  it("shows an unsigned map's magnitudes when the sign filter is 'all'", () => {
    expect(effectiveSign("all", false)).toBe("absolute");
    expect(effectiveSign("all", true)).toBe("all");
    expect(effectiveSign("negative", false)).toBe("negative");
    expect(effectiveSign("bogus", true)).toBe("all");
  });

  it("labels the colorbar by sign", () => {
    expect(legendLabels("all", 2)).toEqual(["−2", "0", "+2"]);
    expect(legendLabels("positive", 0.5)).toEqual(["0", "", "0.5"]);
    expect(legendLabels("negative", 3)).toEqual(["−3", "", "0"]);
  });
});

describe("panel status line", () => {
  it("says computing while the entry is missing or being recomputed", () => {
    expect(panelStatusLine(undefined)).toEqual({ status: "computing", text: "computing…" });
    expect(panelStatusLine({ status: "computing", elapsed_ms: 5 })).toEqual({ status: "computing", text: "computing…" });
  });

  it("gives the time, and the completeness error when there is one", () => {
    expect(panelStatusLine({ status: "idle", elapsed_ms: 12.34, delta: null })).toEqual({ status: "idle", text: "12.3 ms" });
    expect(panelStatusLine({ status: "idle", elapsed_ms: 250, delta: -0.0123 }).text).toBe("250 ms · Δ=-0.0123");
    expect(panelStatusLine({ status: "idle", elapsed_ms: 3, delta: 0 }).text).toBe("3 ms · Δ=0");
  });

  it("shows the error message of a failed method", () => {
    expect(panelStatusLine({ status: "error", error: "layer not found" })).toEqual({ status: "error", text: "layer not found" });
    expect(panelStatusLine({ status: "error", error: "" }).status).toBe("error");
  });
});

describe("gallery labels", () => {
  it("marks correct and wrong predictions, naming the truth only when wrong", () => {
    const right = galleryLabel({ true: "cat", predicted: "cat", correct: true }, 0);
    expect(right).toMatchObject({ correctness: "correct", mark: "✓", predicted: "cat", truth: "" });
    const wrong = galleryLabel({ true: "cat", predicted: "dog", correct: false }, 3);
    expect(wrong).toMatchObject({ correctness: "wrong", mark: "✗", predicted: "dog", truth: "cat" });
    expect(wrong.description).toBe("sample 3, predicted dog, true cat, wrong");
  });

  it("works out correctness when it is not given, and leaves it unknown without a true label", () => {
    expect(galleryLabel({ true: "a", predicted: "b" }, 0).correctness).toBe("wrong");
    expect(galleryLabel({ true: "a", predicted: "a", correct: null }, 0).correctness).toBe("correct");
    const unknown = galleryLabel({ true: null, predicted: "b", correct: null }, 1);
    expect(unknown).toMatchObject({ correctness: "unknown", mark: "", truth: "" });
    expect(galleryLabel(undefined, 2)).toMatchObject({ correctness: "unknown", predicted: "" });
  });

  it("cuts one thumbnail out of (N, H, W, 3) samples", () => {
    const samples = new Uint8Array(2 * 1 * 2 * 3).map((_, i) => i);
    expect(Array.from(thumbnailPixels(samples, 1, 1, 2))).toEqual([6, 7, 8, 255, 9, 10, 11, 255]);
  });
});

describe("keyboard steps", () => {
  it("moves the gallery selection within bounds", () => {
    expect(stepIndex(2, "ArrowRight", 5)).toBe(3);
    expect(stepIndex(4, "ArrowRight", 5)).toBe(4);
    expect(stepIndex(0, "ArrowLeft", 5)).toBe(0);
    expect(stepIndex(3, "Home", 5)).toBe(0);
    expect(stepIndex(3, "End", 5)).toBe(4);
    expect(stepIndex(3, "a", 5)).toBeNull();
    expect(stepIndex(0, "ArrowRight", 0)).toBeNull();
    expect(stepIndex(9, "ArrowLeft", 5)).toBe(3);
  });

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

describe("tile size", () => {
  it("scales small grids by a whole factor, shrinks big ones and honours display_size", () => {
    expect(tileSize(28, 28, 0)).toEqual([168, 168]);
    expect(tileSize(64, 64, undefined)).toEqual([192, 192]);
    expect(tileSize(192, 192, 0)).toEqual([192, 192]);
    expect(tileSize(224, 224, 0)).toEqual([224, 224]);
    expect(tileSize(512, 256, 0)).toEqual([128, 256]);
    expect(tileSize(32, 64, 300)).toEqual([300, 150]);
  });
});
