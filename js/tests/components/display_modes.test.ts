import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { legendStrip } from "../../src/components/colorbar";
import { DisplayControls } from "../../src/components/display_controls";
import { HeatmapTile, NO_IMAGE, type BaseImage, type HeatmapInput } from "../../src/components/heatmap_tile";
import { Listeners } from "../../src/lib/dom";
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

/** A 2x2 map, +2 top-left and -1 bottom-right; the right column is 0. */
/** Non-breaking spaces as plain ones. */
const plain = (text: string) => text.replace(/\u00a0/g, " ");

const values = wire(new DataView(new Float32Array([2, 0, -1, 0]).buffer), "float32", [1, 2, 2]);

/** A 2x2 opaque image: a dark pixel top-left, bright ones elsewhere (orange). */
const image: BaseImage = {
  rgba: { data: Uint8ClampedArray.from([40, 40, 40, 255, 200, 100, 0, 255, 200, 100, 0, 255, 200, 100, 0, 255]), width: 2, height: 2 } as RGBAImage,
  version: 1,
};

function input(mode: string, overrides: Partial<HeatmapInput> = {}): HeatmapInput {
  return {
    values,
    name: "saliency",
    signed: true,
    image,
    display: { colormap: "bwr", sign: "all", clipPercentile: 100, reduction: "sum", opacity: 1, mode },
    displaySize: 0,
    pixel: [],
    mask: null,
    ...overrides,
  };
}

function mount() {
  const canvas = new FakeElement("canvas");
  const tile = new HeatmapTile(canvas as unknown as HTMLCanvasElement, tileSize, true);
  const counts = () => [Number(canvas.dataset.computed), Number(canvas.dataset.painted)];
  return { canvas, tile, counts };
}

function composite(): FakeImageData {
  const call = dom.created.flatMap((c) => c.calls).filter((c) => c.name === "putImageData").pop();
  return call!.args[0] as FakeImageData;
}

const rgba = (picture: { data: Uint8ClampedArray; width: number }, row: number, col: number) =>
  Array.from(picture.data.subarray(4 * (row * picture.width + col), 4 * (row * picture.width + col) + 4));

describe("HeatmapTile display modes", () => {
  it("composes each mode from the one normalised map, painting colours only where a mode uses them", () => {
    const { canvas, tile, counts } = mount();
    tile.update(input("heat_map"));
    expect(rgba(composite(), 0, 0)).toEqual([255, 0, 0, 255]); // +2, the top of bwr at full opacity
    expect(counts()).toEqual([1, 1]);

    tile.update(input("masked_image"));
    expect(canvas.dataset.mode).toBe("masked_image");
    expect(rgba(composite(), 0, 0)).toEqual([40, 40, 40, 255]); // |+2| / 2 = 1: the image itself
    expect(rgba(composite(), 1, 0)).toEqual([100, 50, 0, 255]); // |-1| / 2: half its brightness
    expect(rgba(composite(), 0, 1)).toEqual([0, 0, 0, 255]); // 0: black
    expect(tile.legend()).toMatchObject({ mode: "masked_image", normalized: { sign: "absolute", scale: 2 } });
    expect(plain(tile.legend()!.caption)).toBe("masked image: brightness = |value|");
    expect(counts()).toEqual([1, 2]); // repainted, no new heat map

    tile.update(input("alpha_scaling"));
    expect(rgba(composite(), 1, 0)).toEqual([200, 100, 0, 128]);
    expect(rgba(composite(), 1, 1)).toEqual([200, 100, 0, 0]);

    tile.update(input("heat_map"));
    expect(rgba(composite(), 0, 0)).toEqual([255, 0, 0, 255]);
    expect(counts()).toEqual([2, 4]); // signed again ("all"), so normalised and painted anew

    tile.update(input("blended_heat_map", { display: { ...input("").display, mode: "blended_heat_map", opacity: 0 } }));
    expect(rgba(composite(), 0, 0)).toEqual([0, 0, 0, 255]); // the grey image alone, stretched
    expect(rgba(composite(), 0, 1)).toEqual([255, 255, 255, 255]);
    expect(tile.legend()).toMatchObject({ mode: "blended_heat_map", normalized: { sign: "all" } });
    expect(counts()).toEqual([2, 5]); // the same heat map over another base
  });

  it("keeps the chosen sign in the masked image, and the heat map alone without an image", () => {
    const { tile } = mount();
    tile.update(input("masked_image", { display: { ...input("").display, mode: "masked_image", sign: "negative" } }));
    expect(rgba(composite(), 0, 0)).toEqual([0, 0, 0, 255]); // positive: nothing negative there
    expect(rgba(composite(), 1, 0)).toEqual([200, 100, 0, 255]); // the most negative: all of the image
    expect(plain(tile.legend()!.caption)).toBe("masked image: brightness = how negative");

    tile.update(input("masked_image", { image: NO_IMAGE }));
    expect(rgba(composite(), 0, 0)).toEqual([255, 0, 0, 255]);
    expect(tile.legend()).toMatchObject({ mode: "heat_map", caption: "heat map (masked image needs an image)" });
  });

  it("ignores an unknown mode", () => {
    const { tile } = mount();
    tile.update(input("original_image"));
    expect(tile.legend()!.mode).toBe("heat_map");
  });
});

describe("the legend of a mode", () => {
  const normalized = { values: new Float32Array(0), height: 0, width: 0, sign: "absolute" as const, scale: 1 };

  it("is the colormap in the heat-map modes, a black-to-white ramp in the masked image, an opacity ramp in alpha scaling", () => {
    const heat = legendStrip({ normalized, colormap: "gray", mode: "blended_heat_map" }, 3);
    expect([rgba(heat, 0, 0), rgba(heat, 0, 2)]).toEqual([
      [0, 0, 0, 255],
      [255, 255, 255, 255],
    ]);
    const masked = legendStrip({ normalized, colormap: "bwr", mode: "masked_image" }, 3);
    expect([rgba(masked, 0, 0), rgba(masked, 0, 1), rgba(masked, 0, 2)]).toEqual([
      [0, 0, 0, 255],
      [128, 128, 128, 255],
      [255, 255, 255, 255],
    ]);
    const alpha = legendStrip({ normalized, colormap: "bwr", mode: "alpha_scaling" }, 3);
    expect([rgba(alpha, 0, 0)[3], rgba(alpha, 0, 1)[3], rgba(alpha, 0, 2)[3]]).toEqual([0, 128, 255]);
    // How negative: brightest on the left, where the most negative value is.
    const negative = legendStrip({ normalized: { ...normalized, sign: "negative" }, colormap: "bwr", mode: "masked_image" }, 2);
    expect([rgba(negative, 0, 0)[0], rgba(negative, 0, 1)[0]]).toEqual([255, 0]);
  });
});

describe("the display mode control", () => {
  it("writes display_mode and hides the colormap and opacity where no colours are painted", () => {
    const parent = new FakeElement("div");
    const written: [string, unknown][] = [];
    const controls = new DisplayControls(parent as unknown as HTMLElement, new Listeners(), (name, value) => written.push([name, value]));
    const state: Record<string, unknown> = { display_mode: "heat_map" };
    const read = ((name: string) => state[name]) as never;
    controls.sync(read, false);
    const label = (control: HTMLElement) => (control as unknown as FakeElement).parent!;
    expect(controls.mode.value).toBe("heat_map");
    const options = (controls.mode as unknown as FakeElement).children;
    expect(options.map((o) => [(o as unknown as { value: string }).value, o.textContent])).toEqual([
      ["heat_map", "heat map"],
      ["blended_heat_map", "blended heat map"],
      ["masked_image", "masked image"],
      ["alpha_scaling", "alpha scaling"],
    ]);
    expect([label(controls.colormap).hidden, label(controls.opacity).hidden]).toEqual([false, false]);

    (controls.mode as unknown as FakeElement & { value: string }).value = "masked_image";
    (controls.mode as unknown as FakeElement).dispatch("change");
    expect(written).toEqual([["display_mode", "masked_image"]]);
    state.display_mode = "masked_image";
    controls.sync(read, false);
    expect([label(controls.colormap).hidden, label(controls.opacity).hidden]).toEqual([true, true]);
    expect(label(controls.sign).hidden).toBe(false);
  });
});
