import { describe, expect, it } from "vitest";
import { lut } from "../../src/lib/colormap";
import type { NormalizedMap, Sign } from "../../src/lib/normalize";
import {
  blend,
  colorbarValues,
  imageGeometry,
  lutPosition,
  maskEdges,
  paintImage,
  paintMap,
  resizeNearest,
  type RGBAImage,
} from "../../src/lib/paint";

/** A table whose entry i is (i, 255 - i, 7, 255), so a pixel tells which entry painted it. */
const rampTable = (() => {
  const table = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) table.set([i, 255 - i, 7, 255], 4 * i);
  return table;
})();

function normalized(values: number[], sign: Sign, height = 1): NormalizedMap {
  return { values: new Float32Array(values), height, width: values.length / height, sign, scale: 1 };
}

function pixel(image: RGBAImage, index: number): number[] {
  return Array.from(image.data.subarray(4 * index, 4 * index + 4));
}

function solid(width: number, height: number, rgba: number[]): RGBAImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set(rgba, 4 * i);
  return { data, width, height };
}

describe("lutPosition", () => {
  it("puts zero at the centre of a diverging map for every sign filter", () => {
    expect(lutPosition(-1, "all", true)).toBe(0);
    expect(lutPosition(0, "all", true)).toBe(0.5);
    expect(lutPosition(1, "all", true)).toBe(1);
    expect(lutPosition(0, "positive", true)).toBe(0.5);
    expect(lutPosition(1, "positive", true)).toBe(1);
    expect(lutPosition(1, "absolute", true)).toBe(1);
    expect(lutPosition(0, "negative", true)).toBe(0.5);
    expect(lutPosition(1, "negative", true)).toBe(0);
  });

  it("shows magnitudes from the start of a sequential map and clamps", () => {
    expect(lutPosition(0, "absolute", false)).toBe(0);
    expect(lutPosition(0.25, "negative", false)).toBe(0.25);
    expect(lutPosition(0, "all", false)).toBe(0.5);
    expect(lutPosition(3, "positive", false)).toBe(1);
    expect(lutPosition(-3, "all", false)).toBe(0);
    expect(lutPosition(NaN, "all", true)).toBe(0);
  });
});

describe("paintMap", () => {
  it("paints each value with the table entry at its position", () => {
    const sequential = paintMap(normalized([-1, 0, 1, 0.5], "all"), rampTable, false);
    expect([sequential.width, sequential.height]).toEqual([4, 1]);
    expect(pixel(sequential, 0)).toEqual([0, 255, 7, 255]);
    expect(pixel(sequential, 1)).toEqual([128, 127, 7, 255]); // round(0.5 * 255) = 128
    expect(pixel(sequential, 2)).toEqual([255, 0, 7, 255]);
    expect(pixel(sequential, 3)).toEqual([191, 64, 7, 255]); // round(0.75 * 255) = 191
    // A diverging table is centred: zero at entry 128, the ends at 1 and 255.
    const diverging = paintMap(normalized([-1, 0, 1, 0.5, -0.5], "all"), rampTable, true);
    expect([0, 1, 2, 3, 4].map((i) => pixel(diverging, i)[0])).toEqual([1, 128, 255, 192, 64]);
  });

  it("paints magnitudes on a sequential map from its start", () => {
    const out = paintMap(normalized([0, 0.2, 1, 0], "absolute", 2), lut("gray"), false);
    expect([out.width, out.height]).toEqual([2, 2]);
    expect(pixel(out, 0)).toEqual([0, 0, 0, 255]);
    expect(pixel(out, 1)).toEqual([51, 51, 51, 255]);
    expect(pixel(out, 2)).toEqual([255, 255, 255, 255]);
  });

  it("paints zero white-ish and signs in their colours through RdBu_r", () => {
    const out = paintMap(normalized([-1, 0, 1], "all"), lut("RdBu_r"), true);
    const [negative, zero, positive] = [0, 1, 2].map((i) => pixel(out, i));
    expect(negative[2]).toBeGreaterThan(negative[0]);
    expect(Math.min(...zero.slice(0, 3))).toBeGreaterThanOrEqual(230);
    expect(positive[0]).toBeGreaterThan(positive[2]);
    // A negative-only map uses the blue half, zero still white.
    const negativeOnly = paintMap(normalized([1, 0], "negative"), lut("RdBu_r"), true);
    expect(pixel(negativeOnly, 0)).toEqual(negative);
    expect(pixel(negativeOnly, 1)).toEqual(zero);
  });
});

describe("paintImage", () => {
  it("paints a (3,H,W) float image in [0,1], clipping and zeroing NaN", () => {
    // 1x2 image: pixel 0 = (1, 0.5, 0), pixel 1 = (2, -1, NaN).
    const image = { data: new Float32Array([1, 2, 0.5, -1, 0, NaN]), shape: [3, 1, 2] };
    const out = paintImage(image);
    expect([out.width, out.height]).toEqual([2, 1]);
    expect(pixel(out, 0)).toEqual([255, 128, 0, 255]);
    expect(pixel(out, 1)).toEqual([255, 0, 0, 255]);
  });

  it("paints an (H,W,3) uint8 image as is", () => {
    const image = { data: new Uint8Array([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]), shape: [2, 2, 3] };
    const out = paintImage(image);
    expect([out.width, out.height]).toEqual([2, 2]);
    expect(pixel(out, 0)).toEqual([10, 20, 30, 255]);
    expect(pixel(out, 3)).toEqual([100, 110, 120, 255]);
  });

  it("paints grey images, alpha channels and batched shapes", () => {
    const grey = paintImage({ data: new Float32Array([0, 0.5, 1, 0.2]), shape: [2, 2] });
    expect(pixel(grey, 1)).toEqual([128, 128, 128, 255]);
    expect(pixel(grey, 3)).toEqual([51, 51, 51, 255]);
    const withAlpha = paintImage({ data: new Uint8Array([1, 2, 3, 4]), shape: [1, 1, 4] });
    expect(pixel(withAlpha, 0)).toEqual([1, 2, 3, 4]);
    const batched = paintImage({ data: new Float32Array([0, 1]), shape: [1, 1, 1, 2] });
    expect(pixel(batched, 1)).toEqual([255, 255, 255, 255]);
  });

  it("reads the layout from the shape, preferring torch for float and numpy for uint8", () => {
    expect(imageGeometry([3, 32, 48], false)).toEqual({ layout: "chw", channels: 3, height: 32, width: 48 });
    expect(imageGeometry([32, 48, 3], false)).toEqual({ layout: "hwc", channels: 3, height: 32, width: 48 });
    expect(imageGeometry([3, 32, 48], true)).toEqual({ layout: "chw", channels: 3, height: 32, width: 48 });
    expect(imageGeometry([3, 4, 3], true).layout).toBe("hwc");
    expect(imageGeometry([3, 4, 3], false).layout).toBe("chw");
    expect(() => imageGeometry([2, 5, 5], false)).toThrow(/1, 3 or 4 channels/);
    expect(() => paintImage({ data: new Float32Array(5), shape: [3, 1, 2] })).toThrow(/needs 6/);
  });
});

describe("resizeNearest", () => {
  it("scales up into blocks and down by the pixel under each centre", () => {
    const small: RGBAImage = {
      data: new Uint8ClampedArray([1, 1, 1, 255, 2, 2, 2, 255, 3, 3, 3, 255, 4, 4, 4, 255]),
      width: 2,
      height: 2,
    };
    const big = resizeNearest(small, 4, 4);
    const reds = Array.from({ length: 16 }, (_, i) => big.data[4 * i]);
    expect(reds).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    const back = resizeNearest(big, 2, 2);
    expect(Array.from(back.data)).toEqual(Array.from(small.data));
    expect(resizeNearest(small, 2, 2)).toBe(small);
  });
});

describe("blend", () => {
  it("shows the base at opacity 0, the overlay at 1 and a mix between", () => {
    const base = solid(2, 1, [200, 100, 0, 255]);
    const overlay = solid(2, 1, [0, 0, 255, 255]);
    expect(pixel(blend(base, overlay, 0), 0)).toEqual([200, 100, 0, 255]);
    expect(pixel(blend(base, overlay, 1), 1)).toEqual([0, 0, 255, 255]);
    expect(pixel(blend(base, overlay, 0.5), 0)).toEqual([100, 50, 128, 255]);
    expect(pixel(blend(base, overlay, 0.25), 0)).toEqual([150, 75, 64, 255]);
    expect(pixel(blend(base, overlay, 7), 0)).toEqual([0, 0, 255, 255]);
  });

  it("respects a transparent overlay pixel and rejects size mismatches", () => {
    const base = solid(1, 1, [10, 20, 30, 255]);
    expect(pixel(blend(base, solid(1, 1, [255, 255, 255, 0]), 1), 0)).toEqual([10, 20, 30, 255]);
    expect(() => blend(base, solid(2, 1, [0, 0, 0, 255]), 0.5)).toThrow(/resize it first/);
  });
});

describe("maskEdges", () => {
  const segments = (edges: Float32Array) => {
    const out: string[] = [];
    for (let i = 0; i < edges.length; i += 4) out.push(Array.from(edges.subarray(i, i + 4)).join(","));
    return out.sort();
  };

  it("outlines a single cell with the four sides of its square", () => {
    const mask = [0, 0, 0, 0, 1, 0, 0, 0, 0];
    expect(segments(maskEdges(mask, 3, 3))).toEqual(["1,1,1,2", "1,1,2,1", "1,2,2,2", "2,1,2,2"].sort());
  });

  it("draws only the boundary of a block, closing it along the border", () => {
    const block = [1, 1, 0, 1, 1, 0, 0, 0, 0];
    const edges = segments(maskEdges(block, 3, 3));
    expect(edges).toHaveLength(8);
    expect(edges).not.toContain("1,0,1,1"); // the edge between two inside cells
    expect(edges).toContain("0,0,1,0"); // along the top border
    expect(maskEdges(new Uint8Array(9), 3, 3).length).toBe(0);
    expect(maskEdges(new Uint8Array(4).fill(1), 2, 2).length).toBe(8 * 4);
    expect(() => maskEdges([1, 0], 2, 2)).toThrow(/2x2 grid needs 4/);
  });
});

describe("colorbarValues", () => {
  it("runs from the most negative raw value to the most positive", () => {
    expect(Array.from(colorbarValues("all", 3))).toEqual([-1, 0, 1]);
    expect(Array.from(colorbarValues("positive", 3))).toEqual([0, 0.5, 1]);
    expect(Array.from(colorbarValues("negative", 3))).toEqual([1, 0.5, 0]);
  });
});
