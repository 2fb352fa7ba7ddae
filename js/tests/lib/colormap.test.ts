import { describe, expect, it } from "vitest";
import { LUT_SIZE, colormapNames, hasColormap, isDiverging, lut, lutIndex, lutPoint } from "../../src/lib/colormap";

function entry(table: Uint8ClampedArray, i: number): number[] {
  return Array.from(table.subarray(4 * i, 4 * i + 4));
}

describe("colormaps", () => {
  it("offers diverging and sequential maps by name", () => {
    const names = colormapNames();
    for (const name of ["RdBu_r", "bwr", "viridis", "inferno", "magma", "gray", "hot"]) {
      expect(names).toContain(name);
      expect(hasColormap(name)).toBe(true);
    }
    expect(isDiverging("RdBu_r")).toBe(true);
    expect(isDiverging("bwr")).toBe(true);
    expect(isDiverging("viridis")).toBe(false);
    expect(isDiverging("gray")).toBe(false);
    expect(isDiverging("nope")).toBe(false);
    expect(hasColormap("toString")).toBe(false);
  });

  it("builds 256 opaque RGBA entries per map", () => {
    for (const name of colormapNames()) {
      const table = lut(name);
      expect(table).toBeInstanceOf(Uint8ClampedArray);
      expect(table.length).toBe(LUT_SIZE * 4);
      for (let i = 0; i < LUT_SIZE; i++) expect(table[4 * i + 3]).toBe(255);
    }
  });

  it("RdBu_r runs from blue (negative) through white-ish (zero) to red (positive)", () => {
    const table = lut("RdBu_r");
    const [r0, g0, b0] = entry(table, 0);
    expect(b0).toBeGreaterThan(r0 + 50);
    expect(b0).toBeGreaterThan(g0);
    const [r1, g1, b1] = entry(table, 255);
    expect(r1).toBeGreaterThan(b1 + 50);
    expect(r1).toBeGreaterThan(g1);
    const [r, g, b] = entry(table, lutIndex(0.5, true));
    expect(Math.min(r, g, b)).toBeGreaterThanOrEqual(230);
    expect(Math.max(r, g, b) - Math.min(r, g, b)).toBeLessThanOrEqual(12);
  });

  it("bwr is exactly blue, white and red at its ends and centre", () => {
    const table = lut("bwr");
    expect(entry(table, 0)).toEqual([0, 0, 255, 255]);
    expect(entry(table, 1)).toEqual([0, 0, 255, 255]);
    expect(entry(table, 128)).toEqual([255, 255, 255, 255]);
    expect(entry(table, 255)).toEqual([255, 0, 0, 255]);
  });

  it("centres diverging tables so both signs get the same number of steps", () => {
    expect(lutIndex(0.5, true)).toBe(128);
    expect(lutIndex(0, true)).toBe(1);
    expect(lutIndex(1, true)).toBe(255);
    expect(lutPoint(128, true)).toBe(0.5);
    expect(lutPoint(1, true)).toBe(0);
    expect(lutPoint(255, true)).toBe(1);
    for (let i = 0; i <= 1000; i++) {
      const k = i / 2000;
      expect(lutIndex(0.5 + k, true) - 128, `k = ${k}`).toBe(128 - lutIndex(0.5 - k, true));
    }
    for (let i = 1; i < 256; i++) expect(lutIndex(lutPoint(i, true), true)).toBe(i);
    for (let i = 0; i < 256; i++) expect(lutIndex(lutPoint(i, false), false)).toBe(i);
    expect(lutIndex(0.5, false)).toBe(128);
    expect(lutIndex(NaN, false)).toBe(0);
    expect(lutIndex(2, false)).toBe(255);
  });

  it("sequential maps have their known end colours", () => {
    expect(entry(lut("viridis"), 0)).toEqual([0x44, 0x01, 0x54, 255]);
    expect(entry(lut("viridis"), 255)).toEqual([0xfd, 0xe7, 0x25, 255]);
    expect(entry(lut("gray"), 0)).toEqual([0, 0, 0, 255]);
    expect(entry(lut("gray"), 128)).toEqual([128, 128, 128, 255]);
    expect(entry(lut("gray"), 255)).toEqual([255, 255, 255, 255]);
    expect(entry(lut("hot"), 0)).toEqual([0, 0, 0, 255]);
    expect(entry(lut("hot"), 255)).toEqual([255, 255, 255, 255]);
    // hot reaches full red before green starts rising.
    const [r, g, b] = entry(lut("hot"), 93);
    expect(r).toBe(255);
    expect(g).toBeLessThan(5);
    expect(b).toBe(0);
    const inferno = lut("inferno");
    expect(entry(inferno, 0).slice(0, 3).every((c) => c < 10)).toBe(true);
  });

  it("sequential maps get brighter from start to end", () => {
    const luminance = ([r, g, b]: number[]) => 0.2126 * r + 0.7152 * g + 0.0722 * b;
    for (const name of ["viridis", "inferno", "magma", "gray", "hot"]) {
      const table = lut(name);
      expect(luminance(entry(table, 255)), name).toBeGreaterThan(luminance(entry(table, 0)) + 100);
    }
  });

  it("caches tables and rejects unknown names", () => {
    expect(lut("magma")).toBe(lut("magma"));
    expect(() => lut("jet")).toThrow(/Unknown colormap "jet"/);
  });
});
