import { describe, expect, it } from "vitest";
import { maskOutline } from "../../src/lib/mask";

const mask = (values: number[], shape: number[]) => ({ data: new DataView(Uint8Array.from(values).buffer), dtype: "uint8", shape });

describe("maskOutline", () => {
  it("outlines the inside cells over the grid", () => {
    const edges = maskOutline(mask([0, 1, 0, 0], [2, 2]), [2, 2]);
    // One cell, four edges of four numbers each.
    expect(edges).toHaveLength(16);
  });

  it("is null without a mask or without a grid", () => {
    expect(maskOutline(mask([], [0]), [2, 2])).toBeNull();
    expect(maskOutline(null, [2, 2])).toBeNull();
    expect(maskOutline(mask([1, 1, 1, 1], [2, 2]), null)).toBeNull();
  });

  it("names the trait when the mask does not fit the grid", () => {
    expect(() => maskOutline(mask(new Array(16).fill(0), [2, 8]), [4, 4])).toThrow(/^mask: shape \[2, 8\] does not match the image grid 4x4/);
    expect(() => maskOutline(mask([1, 1], [2, 2]), [2, 2])).toThrow(/^mask: .*needs 4 bytes/);
  });
});
