import { describe, expect, it } from "vitest";
import { channelsHeightWidth, normalizeMap, percentile, reduceChannels, type Map2D } from "../../src/lib/normalize";

// Three channels of a 1x2 image: pixel 0 has (1, -4, 2), pixel 1 has (-3, 0.5, 0.25).
const threeChannels = { data: new Float32Array([1, -3, -4, 0.5, 2, 0.25]), shape: [3, 1, 2] };

function map(values: number[], height = 1, width = values.length): Map2D {
  return { values: new Float32Array(values), height, width };
}

function close(actual: Float32Array, expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((v, i) => expect(actual[i], `index ${i}`).toBeCloseTo(v, 5));
}

describe("reduceChannels", () => {
  it("sums with sign, sums magnitudes, or keeps the largest magnitude with its sign", () => {
    close(reduceChannels(threeChannels, "sum").values, [-1, -2.25]);
    close(reduceChannels(threeChannels, "abs_sum").values, [7, 3.75]);
    close(reduceChannels(threeChannels, "max_abs").values, [-4, -3]);
    const reduced = reduceChannels(threeChannels, "sum");
    expect([reduced.height, reduced.width]).toEqual([1, 2]);
  });

  it("passes a single channel through unchanged", () => {
    const single = { data: new Float32Array([-1, 2, -3, 4]), shape: [1, 2, 2] };
    for (const reduction of ["sum", "abs_sum", "max_abs"] as const) {
      const out = reduceChannels(single, reduction);
      close(out.values, [-1, 2, -3, 4]);
      expect([out.height, out.width]).toEqual([2, 2]);
    }
    const plain = reduceChannels({ data: new Uint8Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] }, "abs_sum");
    expect(plain.values).toBeInstanceOf(Float32Array);
    close(plain.values, [1, 2, 3, 4, 5, 6]);
    expect([plain.height, plain.width]).toEqual([2, 3]);
  });

  it("drops a leading batch dimension of one", () => {
    expect(channelsHeightWidth([1, 3, 4, 5])).toEqual([3, 4, 5]);
    expect(channelsHeightWidth([1, 1, 1, 4, 5])).toEqual([1, 4, 5]);
    const batched = { data: threeChannels.data, shape: [1, 3, 1, 2] };
    close(reduceChannels(batched, "sum").values, [-1, -2.25]);
  });

  it("rejects shapes it cannot read and data of the wrong length", () => {
    expect(() => channelsHeightWidth([5])).toThrow(/\(H, W\) or \(C, H, W\)/);
    expect(() => channelsHeightWidth([2, 3, 4, 5])).toThrow(/got \[2, 3, 4, 5\]/);
    expect(() => reduceChannels({ data: new Float32Array(5), shape: [3, 1, 2] }, "sum")).toThrow(/needs 6/);
    expect(() => reduceChannels(threeChannels, "mean" as never)).toThrow(/Unknown reduction "mean"/);
  });
});

describe("percentile", () => {
  it("interpolates linearly between order statistics, like numpy", () => {
    expect(percentile([4, 1, 3, 2], 50)).toBeCloseTo(2.5);
    expect(percentile([4, 1, 3, 2], 0)).toBe(1);
    expect(percentile([4, 1, 3, 2], 100)).toBe(4);
    const hundredAndOne = Array.from({ length: 101 }, (_, i) => 100 - i);
    expect(percentile(hundredAndOne, 99.5)).toBeCloseTo(99.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBeCloseTo(9.1);
    expect(percentile([7], 99)).toBe(7);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
  });
});

describe("normalizeMap", () => {
  it("clips at the chosen percentile of |values| and keeps the sign for 'all'", () => {
    // |values| are 1..200; numpy.percentile(range(1, 201), 99.5) == 199.005.
    const values = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 1 : -1) * (i + 1));
    const out = normalizeMap(map(values), "all", 99.5);
    expect(out.scale).toBeCloseTo(199.005, 3);
    expect(out.values[0]).toBeCloseTo(1 / 199.005, 6);
    expect(out.values[1]).toBeCloseTo(-2 / 199.005, 6);
    expect(out.values[198]).toBeCloseTo(199 / 199.005, 6);
    expect(out.values[199]).toBe(-1); // -200 is beyond the clip
    expect(out.sign).toBe("all");
    expect(Math.min(...out.values)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...out.values)).toBeLessThanOrEqual(1);
  });

  it("uses the maximum at p = 100 and clips more at lower p", () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    close(normalizeMap(map(values), "all", 100).values, values.map((v) => v / 10));
    const p90 = normalizeMap(map(values), "all", 90);
    expect(p90.scale).toBeCloseTo(9.1);
    expect(p90.values[9]).toBe(1);
    expect(p90.values[8]).toBeCloseTo(9 / 9.1, 5);
    expect(p90.values[7]).toBeCloseTo(8 / 9.1, 5);
  });

  it("filters by sign into magnitudes in [0, 1]", () => {
    const values = [-4, -2, 0, 1, 2, 8];
    const positive = normalizeMap(map(values), "positive", 100);
    close(positive.values, [0, 0, 0, 1 / 8, 2 / 8, 1]);
    expect(positive.scale).toBe(8);
    const negative = normalizeMap(map(values), "negative", 100);
    close(negative.values, [1, 0.5, 0, 0, 0, 0]);
    expect(negative.scale).toBe(4);
    const absolute = normalizeMap(map(values), "absolute", 100);
    close(absolute.values, [0.5, 0.25, 0, 1 / 8, 0.25, 1]);
    const all = normalizeMap(map(values), "all", 100);
    close(all.values, [-0.5, -0.25, 0, 1 / 8, 0.25, 1]);
  });

  it("leaves zeros out of the percentile, so a sparse map is not clipped at zero", () => {
    const values = [0, 0, 0, 0, 0, 0, 0, 0, 2, 4];
    const out = normalizeMap(map(values), "all", 50);
    expect(out.scale).toBeCloseTo(3);
    close(out.values, [0, 0, 0, 0, 0, 0, 0, 0, 2 / 3, 1]);
  });

  it("maps an all-zero map to zeros", () => {
    for (const sign of ["all", "positive", "negative", "absolute"] as const) {
      const out = normalizeMap(map([0, 0, 0, 0], 2, 2), sign);
      close(out.values, [0, 0, 0, 0]);
      expect(out.scale).toBe(0);
    }
    // A positive filter on an all-negative map leaves nothing to show either.
    close(normalizeMap(map([-1, -2]), "positive").values, [0, 0]);
  });

  it("treats NaN as zero and clips infinities to the ends", () => {
    const allNaN = normalizeMap(map([NaN, NaN, NaN]), "all");
    close(allNaN.values, [0, 0, 0]);
    expect(allNaN.scale).toBe(0);
    const mixed = normalizeMap(map([NaN, 2, -4, Infinity, -Infinity]), "all", 100);
    expect(mixed.scale).toBe(4);
    close(mixed.values, [0, 0.5, -1, 1, -1]);
    const onlyInfinite = normalizeMap(map([0, Infinity, -Infinity]), "all");
    close(onlyInfinite.values, [0, 1, -1]);
    close(normalizeMap(map([0, Infinity, -Infinity]), "positive").values, [0, 1, 0]);
  });

  it("does not change its input and falls back to the default percentile on NaN", () => {
    const input = map([1, -2, 3]);
    normalizeMap(input, "absolute", 100);
    close(input.values, [1, -2, 3]);
    const values = Array.from({ length: 1001 }, (_, i) => i);
    expect(normalizeMap(map(values), "all", NaN).scale).toBeCloseTo(percentile(values.slice(1), 99.5));
    expect(() => normalizeMap(input, "both" as never)).toThrow(/Unknown sign "both"/);
  });
});
