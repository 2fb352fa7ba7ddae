import { describe, expect, it } from "vitest";
import {
  alphaScaled,
  DISPLAY_MODES,
  greyscale,
  mapAtImage,
  maskedImage,
  modeCaption,
  modeSign,
  shownMode,
  usesColormap,
  validMode,
} from "../../src/lib/display_modes";
import { normalizeMap, type NormalizedMap } from "../../src/lib/normalize";
import type { RGBAImage } from "../../src/lib/paint";

/** An image of `pixels` RGB triples in one row, opaque. */
function row(pixels: [number, number, number][]): RGBAImage {
  const data = new Uint8ClampedArray(pixels.length * 4);
  pixels.forEach(([r, g, b], i) => data.set([r, g, b, 255], 4 * i));
  return { data, width: pixels.length, height: 1 };
}

function normalized(values: number[], height = 1, width = values.length): NormalizedMap {
  return { values: new Float32Array(values), height, width, sign: "absolute", scale: 1 };
}

/** Non-breaking spaces as plain ones. */
const plain = (text: string) => text.replace(/\u00a0/g, " ");

const pixel = (image: RGBAImage, i: number) => Array.from(image.data.subarray(4 * i, 4 * i + 4));

describe("display modes", () => {
  it("lists Captum's four layouts and falls back to the heat map", () => {
    expect(DISPLAY_MODES).toEqual(["heat_map", "blended_heat_map", "masked_image", "alpha_scaling"]);
    expect(validMode("masked_image")).toBe("masked_image");
    expect(validMode("original_image")).toBe("heat_map");
    expect(validMode(undefined)).toBe("heat_map");
    expect(DISPLAY_MODES.filter(usesColormap)).toEqual(["heat_map", "blended_heat_map"]);
    expect(shownMode("alpha_scaling", false)).toBe("heat_map");
    expect(shownMode("alpha_scaling", true)).toBe("alpha_scaling");
  });

  it("shows sign 'all' as magnitudes where brightness or opacity carry the map", () => {
    expect(modeSign("heat_map", "all")).toBe("all");
    expect(modeSign("blended_heat_map", "all")).toBe("all");
    expect(modeSign("masked_image", "all")).toBe("absolute");
    expect(modeSign("alpha_scaling", "all")).toBe("absolute");
    for (const sign of ["positive", "negative", "absolute"] as const) expect(modeSign("masked_image", sign)).toBe(sign);
  });

  it("says what the panel shows, and that a mode needing an image has none", () => {
    expect(plain(modeCaption("heat_map", "all"))).toBe("heat map over the image");
    expect(plain(modeCaption("blended_heat_map", "all"))).toBe("heat map over the image in grey");
    expect(plain(modeCaption("masked_image", "absolute"))).toBe("masked image: brightness = |value|");
    expect(plain(modeCaption("masked_image", "negative"))).toBe("masked image: brightness = how negative");
    expect(plain(modeCaption("alpha_scaling", "positive"))).toBe("alpha scaling: opacity = positive value");
    expect(plain(modeCaption("heat_map", "all", false))).toBe("heat map");
    expect(plain(modeCaption("masked_image", "absolute", false))).toBe("heat map (masked image needs an image)");
  });
});

describe("greyscale", () => {
  it("takes the mean of the channels, stretched from black to white, keeping alpha", () => {
    const image = row([
      [30, 60, 90], // mean 60: the darkest
      [90, 120, 150], // mean 120
      [210, 240, 180], // mean 210: the brightest
    ]);
    image.data[7] = 100;
    const grey = greyscale(image);
    expect(pixel(grey, 0)).toEqual([0, 0, 0, 255]);
    expect(pixel(grey, 1)).toEqual([102, 102, 102, 100]); // (120 - 60) / 150 * 255
    expect(pixel(grey, 2)).toEqual([255, 255, 255, 255]);
  });

  it("keeps a flat image at its own grey", () => {
    expect(pixel(greyscale(row([[10, 20, 30]])), 0)).toEqual([20, 20, 20, 255]);
  });
});

describe("masked image and alpha scaling", () => {
  const image = row([
    [200, 100, 50],
    [200, 100, 50],
    [200, 100, 50],
  ]);

  it("multiplies the image by the map: black at 0, the image at 1", () => {
    const masked = maskedImage(image, normalized([0, 0.5, 1]));
    expect(pixel(masked, 0)).toEqual([0, 0, 0, 255]);
    expect(pixel(masked, 1)).toEqual([100, 50, 25, 255]);
    expect(pixel(masked, 2)).toEqual([200, 100, 50, 255]);
  });

  it("sets the image's alpha to the map: transparent at 0, opaque at 1", () => {
    const scaled = alphaScaled(image, normalized([0, 0.5, 1]));
    expect(pixel(scaled, 0)).toEqual([200, 100, 50, 0]);
    expect(pixel(scaled, 1)).toEqual([200, 100, 50, 128]);
    expect(pixel(scaled, 2)).toEqual([200, 100, 50, 255]);
  });

  it("reads a magnitude of a negative map, zero for NaN, and clips above 1", () => {
    const map: NormalizedMap = { ...normalized([-0.5, Number.NaN, 3]), sign: "negative" };
    expect(Array.from(mapAtImage(map, 3, 1))).toEqual([0.5, 0, 1]);
  });

  it("samples a coarser map nearest-neighbour over the image", () => {
    const coarse = normalized([0, 1, 1, 0], 2, 2);
    const weights = mapAtImage(coarse, 4, 4);
    expect(Array.from(weights)).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0]);
  });

  it("masks black where a map normalised with sign 'all' is zero (one half of the image)", () => {
    // The map of Captum's masked image: a sign filter, a scale, a clip, then image * |map|.
    const map = normalizeMap({ values: new Float32Array([0, 0, -2, 4]), height: 1, width: 4 }, modeSign("masked_image", "all"), 100);
    expect(map.sign).toBe("absolute");
    expect(Array.from(map.values)).toEqual([0, 0, 0.5, 1]);
    const wide = row([
      [200, 100, 50],
      [200, 100, 50],
      [200, 100, 50],
      [200, 100, 50],
    ]);
    const masked = maskedImage(wide, map);
    expect([0, 1].map((i) => pixel(masked, i))).toEqual([
      [0, 0, 0, 255],
      [0, 0, 0, 255],
    ]);
    expect(pixel(masked, 2)).toEqual([100, 50, 25, 255]);
  });
});
