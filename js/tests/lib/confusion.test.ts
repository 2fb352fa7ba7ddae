import { describe, expect, it } from "vitest";
import { cellColours, cellText, countConfusion, rowFractions, thresholded } from "../../src/lib/confusion";

describe("confusion counting", () => {
  it("counts (true, predicted) pairs and leaves out classes outside the matrix", () => {
    const counts = countConfusion([0, 0, 1, 1, 1, 2], (i) => [0, 1, 1, 1, 0, 0][i], 2);
    expect(Array.from(counts)).toEqual([1, 1, 1, 2]);
  });

  it("predicts class 1 at score >= threshold, ties included", () => {
    const predict = thresholded([0.2, 0.5, 0.7], 0.5);
    expect([0, 1, 2].map(predict)).toEqual([0, 1, 1]);
    const counts = countConfusion([0, 1, 1], predict, 2);
    expect(Array.from(counts)).toEqual([1, 0, 0, 2]);
  });

  it("normalises rows, an empty row staying 0", () => {
    const fractions = rowFractions(Int32Array.from([1, 3, 0, 0]), 2);
    expect(Array.from(fractions)).toEqual([0.25, 0.75, 0, 0]);
  });

  it("labels cells with counts or percentages and picks readable text", () => {
    expect(cellText(12, 0.5, false)).toBe("12");
    expect(cellText(12, 0.5, true)).toBe("50%");
    expect(cellText(1, 0.025, true)).toBe("2.5%");
    expect(cellColours(0).fill).toBe("rgb(247, 251, 255)");
    expect(cellColours(1)).toEqual({ fill: "rgb(8, 48, 107)", text: "#ffffff" });
    expect(cellColours(Number.NaN).text).toBe("#111111");
  });
});
