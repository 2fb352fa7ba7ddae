/**
 * Captum's `visualize_image_attr` layouts as display modes of a map: the heat map over the image
 * (this project's own view), blended over a greyscale of the image, the image masked by the map,
 * and the image with the map as its alpha. Pure functions on RGBA images and normalised maps.
 */
import type { NormalizedMap, Sign } from "./normalize";
import type { RGBAImage } from "./paint";

export type DisplayMode = "heat_map" | "blended_heat_map" | "masked_image" | "alpha_scaling";

export const DISPLAY_MODES: readonly DisplayMode[] = ["heat_map", "blended_heat_map", "masked_image", "alpha_scaling"];
export const DEFAULT_DISPLAY_MODE: DisplayMode = "heat_map";

export function validMode(value: string | undefined): DisplayMode {
  return DISPLAY_MODES.includes(value as DisplayMode) ? (value as DisplayMode) : DEFAULT_DISPLAY_MODE;
}

/** A mode's name as a reader writes it ("blended heat map"). */
export function modeName(mode: DisplayMode): string {
  return mode.replace(/_/g, " ");
}

/** Whether a mode paints the map through a colormap (the others show it as brightness or opacity). */
export function usesColormap(mode: DisplayMode): boolean {
  return mode === "heat_map" || mode === "blended_heat_map";
}

/** The mode shown: every mode but the heat map needs the image, so without one the heat map stands alone. */
export function shownMode(mode: DisplayMode, hasImage: boolean): DisplayMode {
  return hasImage ? mode : "heat_map";
}

/**
 * The sign filter a map is normalised with in `mode`. Brightness and opacity have no sign, so the
 * masked image and alpha scaling show "all" as magnitudes (Captum refuses "all" there).
 */
export function modeSign(mode: DisplayMode, sign: Sign): Sign {
  return sign === "all" && !usesColormap(mode) ? "absolute" : sign;
}

/**
 * The image in grey: the mean of its colour channels, stretched to span black to white (what
 * Captum's blended heat map shows: matplotlib's "gray" scaled to the data's range). A flat
 * image stays at its own grey. Alpha is kept.
 */
export function greyscale(image: RGBAImage): RGBAImage {
  const n = image.width * image.height;
  const mean = new Float32Array(n);
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = (image.data[4 * i] + image.data[4 * i + 1] + image.data[4 * i + 2]) / 3;
    mean[i] = v;
    if (v < low) low = v;
    if (v > high) high = v;
  }
  const range = high - low;
  const data = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    const grey = range > 0 ? ((mean[i] - low) / range) * 255 : mean[i];
    data[4 * i] = grey;
    data[4 * i + 1] = grey;
    data[4 * i + 2] = grey;
    data[4 * i + 3] = image.data[4 * i + 3];
  }
  return { data, width: image.width, height: image.height };
}

/** The map's magnitude (0..1) under each pixel of a (height, width) image, nearest neighbour. */
export function mapAtImage(map: NormalizedMap, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let row = 0; row < height; row++) {
    const r = Math.min(map.height - 1, Math.floor(((row + 0.5) * map.height) / height));
    for (let col = 0; col < width; col++) {
      const c = Math.min(map.width - 1, Math.floor(((col + 0.5) * map.width) / width));
      const v = Math.abs(map.values[r * map.width + c]);
      out[row * width + col] = Number.isNaN(v) ? 0 : Math.min(1, v);
    }
  }
  return out;
}

/** The image times the map's magnitude: black where the map is 0, the image itself where it is 1. */
export function maskedImage(image: RGBAImage, map: NormalizedMap): RGBAImage {
  const weight = mapAtImage(map, image.width, image.height);
  const data = new Uint8ClampedArray(image.data.length);
  for (let i = 0; i < weight.length; i++) {
    for (let c = 0; c < 3; c++) data[4 * i + c] = image.data[4 * i + c] * weight[i];
    data[4 * i + 3] = image.data[4 * i + 3];
  }
  return { data, width: image.width, height: image.height };
}

/** The image with the map's magnitude as its opacity: transparent where the map is 0. */
export function alphaScaled(image: RGBAImage, map: NormalizedMap): RGBAImage {
  const weight = mapAtImage(map, image.width, image.height);
  const data = new Uint8ClampedArray(image.data);
  for (let i = 0; i < weight.length; i++) data[4 * i + 3] = image.data[4 * i + 3] * weight[i];
  return { data, width: image.width, height: image.height };
}

/**
 * What a panel shows in `mode` (written under its colorbar). `hasImage`: without an image every
 * mode falls back to the heat map alone, and says so.
 */
export function modeCaption(mode: DisplayMode, sign: Sign, hasImage: boolean = true): string {
  if (!hasImage) return mode === "heat_map" ? "heat map" : `heat map (${modeName(mode)} needs an image)`;
  // Non-breaking spaces: in a narrow tile the line breaks after the mode's name, not inside "= |value|".
  const magnitude = (sign === "positive" ? "positive value" : sign === "negative" ? "how negative" : "|value|").replace(/ /g, "\u00a0");
  switch (mode) {
    case "heat_map":
      return "heat map over the image";
    case "blended_heat_map":
      return "heat map over the image in grey";
    case "masked_image":
      return `masked image: brightness\u00a0=\u00a0${magnitude}`;
    case "alpha_scaling":
      return `alpha scaling: opacity\u00a0=\u00a0${magnitude}`;
  }
}
