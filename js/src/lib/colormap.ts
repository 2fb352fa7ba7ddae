/**
 * Colormaps as 256-entry RGBA lookup tables, built from d3-scale-chromatic's interpolators
 * (bundled) and cached by name.
 */
import { rgb } from "d3-color";
import { interpolateRgb, piecewise } from "d3-interpolate";
import {
  interpolateBlues,
  interpolateCividis,
  interpolateInferno,
  interpolateMagma,
  interpolatePiYG,
  interpolatePlasma,
  interpolateRdBu,
  interpolateReds,
  interpolateViridis,
} from "d3-scale-chromatic";

export const LUT_SIZE = 256;

/** A colour for t in [0, 1], as any CSS colour string d3-color parses. */
type Interpolator = (t: number) => string;

interface ColormapSpec {
  interpolate: Interpolator;
  /** Diverging maps put zero at their centre; sequential maps put it at their start. */
  diverging: boolean;
}

const clamp01 = (t: number): number => Math.min(1, Math.max(0, t));

/** matplotlib's "hot": black, red, yellow, white, with its break points at 0.365 and 0.746. */
function hot(t: number): string {
  const r = clamp01(t / 0.365079);
  const g = clamp01((t - 0.365079) / (0.746032 - 0.365079));
  const b = clamp01((t - 0.746032) / (1 - 0.746032));
  return `rgb(${Math.round(r * 255)}, ${Math.round(g * 255)}, ${Math.round(b * 255)})`;
}

/** Linear black to white (d3's Greys is a white-to-black spline, not a linear ramp). */
function gray(t: number): string {
  const v = Math.round(clamp01(t) * 255);
  return `rgb(${v}, ${v}, ${v})`;
}

const SPECS: Record<string, ColormapSpec> = {
  // Names follow matplotlib, so a Python user's "RdBu_r" means the same map: negative blue,
  // zero near white, positive red.
  RdBu_r: { interpolate: (t) => interpolateRdBu(1 - t), diverging: true },
  bwr: { interpolate: piecewise(interpolateRgb, ["#0000ff", "#ffffff", "#ff0000"]), diverging: true },
  PiYG: { interpolate: interpolatePiYG, diverging: true },
  viridis: { interpolate: interpolateViridis, diverging: false },
  inferno: { interpolate: interpolateInferno, diverging: false },
  magma: { interpolate: interpolateMagma, diverging: false },
  plasma: { interpolate: interpolatePlasma, diverging: false },
  cividis: { interpolate: interpolateCividis, diverging: false },
  gray: { interpolate: gray, diverging: false },
  hot: { interpolate: hot, diverging: false },
  Reds: { interpolate: interpolateReds, diverging: false },
  Blues: { interpolate: interpolateBlues, diverging: false },
};

const cache = new Map<string, Uint8ClampedArray>();

export function colormapNames(): string[] {
  return Object.keys(SPECS);
}

export function hasColormap(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(SPECS, name);
}

export function isDiverging(name: string): boolean {
  return hasColormap(name) && SPECS[name].diverging;
}

/**
 * The point t in [0, 1] of the colormap stored in table entry i. A sequential table spans
 * t = i / 255. A diverging table is centred: entry 128 holds exactly t = 0.5 (zero), entries
 * 1 and 255 the two ends, so both signs get 127 steps and zero is never off-centre.
 */
export function lutPoint(entry: number, diverging: boolean): number {
  if (!diverging) return entry / (LUT_SIZE - 1);
  return clamp01(0.5 + (entry - LUT_SIZE / 2) / (LUT_SIZE - 2));
}

/** The table entry for a point t in [0, 1] of the colormap: the inverse of lutPoint. */
export function lutIndex(position: number, diverging: boolean): number {
  const t = clamp01(Number.isNaN(position) ? 0 : position);
  if (!diverging) return Math.round(t * (LUT_SIZE - 1));
  const steps = (t - 0.5) * (LUT_SIZE - 2);
  // Round half away from zero, so +v and -v land the same number of entries from the centre.
  return LUT_SIZE / 2 + Math.sign(steps) * Math.round(Math.abs(steps));
}

/**
 * The RGBA table of `name`: entry i (bytes 4i..4i+3) is the colour at lutPoint(i); look
 * values up with lutIndex. Cached and shared between callers, so treat it as read-only.
 * Throws on an unknown name.
 */
export function lut(name: string): Uint8ClampedArray {
  const cached = cache.get(name);
  if (cached) return cached;
  if (!hasColormap(name)) {
    throw new Error(`Unknown colormap "${name}": expected one of ${colormapNames().join(", ")}.`);
  }
  const { interpolate, diverging } = SPECS[name];
  const table = new Uint8ClampedArray(LUT_SIZE * 4);
  for (let i = 0; i < LUT_SIZE; i++) {
    const colour = rgb(interpolate(lutPoint(i, diverging)));
    table[4 * i] = Math.round(colour.r);
    table[4 * i + 1] = Math.round(colour.g);
    table[4 * i + 2] = Math.round(colour.b);
    table[4 * i + 3] = 255;
  }
  cache.set(name, table);
  return table;
}
