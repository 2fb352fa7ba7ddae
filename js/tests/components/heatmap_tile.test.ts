import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { HeatmapTile, NO_IMAGE, type BaseImage, type HeatmapInput } from "../../src/components/heatmap_tile";
import { tileSize } from "../../src/lib/layout";
import type { RGBAImage } from "../../src/lib/paint";
import { FakeElement, installFakeDom, type FakeImageData } from "../fake_dom";
import { wire } from "../wire";

let dom: ReturnType<typeof installFakeDom>;

beforeEach(() => {
  dom = installFakeDom();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

/** A 2x2 float32 map as an array trait value: +2 top-left, -1 bottom-right. */
function values(numbers = [2, 0, 0, -1], shape = [1, 2, 2]) {
  return wire(new DataView(new Float32Array(numbers).buffer), "float32", shape);
}

/** A 2x2 opaque mid-grey image. */
const grey: BaseImage = {
  rgba: { data: Uint8ClampedArray.from({ length: 16 }, (_, i) => (i % 4 === 3 ? 255 : 128)), width: 2, height: 2 } as RGBAImage,
  version: 1,
};

function input(overrides: Partial<HeatmapInput> = {}): HeatmapInput {
  return {
    values: values(),
    name: "saliency",
    signed: true,
    image: grey,
    display: { colormap: "bwr", sign: "all", clipPercentile: 100, reduction: "sum", opacity: 1 },
    displaySize: 0,
    pixel: [],
    mask: null,
    ...overrides,
  };
}

function mount(showImageOnError = true) {
  const canvas = new FakeElement("canvas");
  const tile = new HeatmapTile(canvas as unknown as HTMLCanvasElement, tileSize, showImageOnError);
  const counts = () => [Number(canvas.dataset.computed), Number(canvas.dataset.painted)];
  return { canvas, tile, counts };
}

/** The composite last put into the tile's offscreen source canvas. */
function composite(): FakeImageData {
  const call = dom.created.flatMap((c) => c.calls).filter((c) => c.name === "putImageData").pop();
  return call!.args[0] as FakeImageData;
}

const rgba = (image: FakeImageData, row: number, col: number) => Array.from(image.data.subarray(4 * (row * image.width + col), 4 * (row * image.width + col) + 4));

describe("HeatmapTile", () => {
  it("decodes, normalises, paints and blends the values over the image", () => {
    const { canvas, tile } = mount();
    tile.update(input());
    expect(canvas.hidden).toBe(false);
    expect(tile.grid).toEqual([2, 2]);
    expect(canvas.style.width).toBe("192px");
    expect(rgba(composite(), 0, 0)).toEqual([255, 0, 0, 255]);
    expect(rgba(composite(), 1, 1).slice(0, 3)).toEqual([126, 126, 255]); // -1 of a 2 scale: about half-way to blue
    tile.update(input({ display: { ...input().display, opacity: 0 } }));
    expect(rgba(composite(), 0, 0)).toEqual([128, 128, 128, 255]);
  });

  it("redoes only the stages a change makes stale, and repaints only when the picture changed", () => {
    const { tile, counts } = mount();
    tile.update(input());
    expect(counts()).toEqual([1, 1]);
    tile.update(input({ values: values() })); // a new object with the same bytes
    expect(counts()).toEqual([1, 1]);
    tile.update(input({ display: { ...input().display, opacity: 0.5 } })); // re-blend only
    expect(counts()).toEqual([1, 2]);
    tile.update(input({ display: { ...input().display, opacity: 0.5 }, pixel: [1, 0] })); // crosshair only
    expect(counts()).toEqual([1, 3]);
    tile.update(input({ display: { ...input().display, colormap: "viridis" } }));
    expect(counts()).toEqual([2, 4]);
    tile.update(input({ values: values([1, 1, 1, 1]) }));
    expect(counts()).toEqual([3, 5]);
  });

  it("hands its colorbar the normalised map and the colormap 'auto' resolved to", () => {
    const { tile } = mount();
    tile.update(input({ display: { ...input().display, colormap: "auto" } }));
    expect(tile.legend()).toMatchObject({ colormap: "RdBu_r", normalized: { sign: "all", scale: 2 } });
    tile.update(input({ signed: false, display: { ...input().display, colormap: "auto" } }));
    expect(tile.legend()).toMatchObject({ colormap: "inferno", normalized: { sign: "absolute" } });
  });

  it("reads the raw value under a cell of the grid shown", () => {
    const { tile } = mount();
    tile.update(input({ values: values([1, 2, 3, 4, 10, 20, 30, 40], [2, 2, 2]) }));
    expect(tile.valueAt([0, 1])).toBe(22); // the channel sum
    tile.update(input({ values: values([1, 2, 3, 4, 10, 20, 30, 40], [2, 2, 2]), display: { ...input().display, reduction: "max_abs" } }));
    expect(tile.valueAt([1, 1])).toBe(40);
  });

  it("names the array in a problem, and shows the image alone or nothing", () => {
    const panel = mount(true);
    panel.tile.update(input({ values: values([1, 2, 3, 4], [3, 2]) }));
    expect(panel.tile.problem).toMatch(/^saliency: .*needs 24 bytes/);
    expect(panel.tile.legend()).toBeNull();
    expect(panel.tile.valueAt([0, 0])).toBeNull();
    expect(panel.canvas.hidden).toBe(false);
    expect(rgba(composite(), 0, 0)).toEqual([128, 128, 128, 255]);
    panel.tile.update(input());
    expect(panel.tile.problem).toBeNull();
    expect(rgba(composite(), 0, 0)).toEqual([255, 0, 0, 255]);

    const view = mount(false);
    view.tile.update(input({ values: { data: new DataView(new ArrayBuffer(4)), dtype: "float64", shape: [1] }, name: "attribution" }));
    expect(view.tile.problem).toMatch(/^attribution: unsupported dtype "float64"/);
    expect(view.canvas.hidden).toBe(true);
    expect(view.tile.grid).toBeNull();
  });

  it("shows the image alone without values, and the values alone without an image", () => {
    const { canvas, tile, counts } = mount();
    tile.update(input({ values: null }));
    expect(rgba(composite(), 0, 0)).toEqual([128, 128, 128, 255]);
    expect(tile.legend()).toBeNull();
    tile.update(input({ values: null, display: { ...input().display, opacity: 0.2 } }));
    expect(counts()).toEqual([0, 1]); // no heat map, so the opacity changes nothing
    tile.update(input({ image: NO_IMAGE }));
    expect(rgba(composite(), 0, 0)).toEqual([255, 0, 0, 255]);
    tile.update(input({ values: null, image: NO_IMAGE }));
    expect(canvas.hidden).toBe(true);
  });

  it("outlines a mask that fits the grid and reports one that does not, still painting the map", () => {
    const { canvas, tile } = mount();
    const mask = (shape: number[]) => wire(new DataView(Uint8Array.from([1, 0, 0, 0]).buffer), "uint8", shape);
    tile.update(input({ mask: mask([2, 2]) }));
    expect(tile.maskProblem).toBeNull();
    // One cell: four edges, each a moveTo and a lineTo.
    expect(canvas.calls.filter((c) => c.name === "moveTo")).toHaveLength(4);
    tile.update(input({ mask: mask([1, 4]) }));
    expect(tile.maskProblem).toMatch(/^mask: shape \[1, 4\] does not match the image grid 2x2/);
    expect(canvas.hidden).toBe(false);
    expect(tile.problem).toBeNull();
  });

  it("draws the crosshair on a cell of the grid and the preview of an edit", () => {
    const { canvas, tile } = mount();
    tile.update(input({ pixel: [5, 5] }));
    expect(canvas.calls.some((c) => c.name === "stroke")).toBe(false);
    tile.update(input({ pixel: [1, 0] }));
    expect(canvas.calls.some((c) => c.name === "stroke")).toBe(true);
    tile.update(input({ preview: { kind: "rect", rect: [0, 0, 1, 1] }, previewKey: "1" }));
    expect(canvas.calls.some((c) => c.name === "strokeRect")).toBe(true);
  });
});
