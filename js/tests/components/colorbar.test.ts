import { describe, expect, it } from "vitest";
import { legendLabels } from "../../src/components/colorbar";

describe("colorbar labels", () => {
  it("labels the colorbar by sign", () => {
    expect(legendLabels("all", 2)).toEqual(["−2", "0", "+2"]);
    expect(legendLabels("positive", 0.5)).toEqual(["0", "", "0.5"]);
    expect(legendLabels("negative", 3)).toEqual(["−3", "", "0"]);
  });
});

describe("colorbar labels stay short", () => {
  // Long numbers print in at most 8 characters (three significant digits, an exponent for very
  // small or large scales), so the end labels fit a tile's colorbar (tests/browser/test_chart_tidiness.py).
  it.each([0.00123, 0.000001234, 10.5, 123456, 0.0871, 1.25, 98765.4])("scale %s", (scale) => {
    for (const sign of ["all", "positive", "negative"] as const) {
      const labels = legendLabels(sign, scale);
      for (const label of labels) expect(label.length).toBeLessThanOrEqual(8);
      expect(labels.filter((l) => l !== "")).toEqual([...new Set(labels.filter((l) => l !== ""))]);
    }
  });

  it("writes long numbers as a reader expects", () => {
    expect(legendLabels("all", 0.00123)).toEqual(["−0.00123", "0", "+0.00123"]);
    expect(legendLabels("all", 0.000123)).toEqual(["−1.23e-4", "0", "+1.23e-4"]);
    expect(legendLabels("all", 10.5)).toEqual(["−10.5", "0", "+10.5"]);
  });
});
