import { describe, expect, it } from "vitest";
import { ImageLayer } from "../../src/components/image_layer";
import { wire } from "../wire";

const rgb = (values: number[], shape: number[]) => wire(new DataView(Uint8Array.from(values).buffer), "uint8", shape);

describe("ImageLayer", () => {
  it("paints an image trait once per change of its content", () => {
    const layer = new ImageLayer("image");
    expect(layer.update(rgb([10, 20, 30, 40, 50, 60], [1, 2, 3]))).toBeNull();
    expect(Array.from(layer.current.rgba!.data)).toEqual([10, 20, 30, 255, 40, 50, 60, 255]);
    const version = layer.current.version;
    layer.update(rgb([10, 20, 30, 40, 50, 60], [1, 2, 3])); // resent, same bytes
    expect(layer.current.version).toBe(version);
    layer.update(rgb([0, 0, 0, 0, 0, 0], [1, 2, 3]));
    expect(layer.current.version).toBe(version + 1);
    layer.update(null);
    expect(layer.current.rgba).toBeNull();
  });

  it("reports a malformed or rejected image by name and shows none", () => {
    const layer = new ImageLayer("image", (array) => {
      if (array.shape.length !== 3) throw new Error("image: expected (H, W, 3)");
    });
    expect(layer.update(rgb([1, 2, 3], [2, 2]))).toMatch(/^image: .*needs 4 bytes/);
    expect(layer.current.rgba).toBeNull();
    expect(layer.update(rgb([1, 2, 3, 4], [2, 2]))).toBe("image: expected (H, W, 3)");
    expect(layer.update(rgb([1, 2, 3], [1, 1, 3]))).toBeNull();
    expect(layer.current.rgba).not.toBeNull();
  });
});
