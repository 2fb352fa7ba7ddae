import { describe, expect, it } from "vitest";
import { thumbnailPixels } from "../../src/components/gallery";
import { galleryLabel, stepIndex } from "../../src/components/gallery_labels";

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
});
