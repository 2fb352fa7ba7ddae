/**
 * Pure helpers of the sequence views: letters from codes, base colours, attribution colours,
 * hit-testing along a sequence, zoom, edits, and the geometry of logos (letter boxes to draw),
 * kept free of the DOM so they are unit-tested.
 */
import { lutIndex } from "./colormap";

/** A letter code that is not in the alphabet (an unknown base such as N). */
export const UNKNOWN_CODE = 255;

/** Pixels per base: the smallest and largest zoom, and the default. */
export const MIN_ZOOM = 2;
export const MAX_ZOOM = 48;
export const DEFAULT_ZOOM = 11;
/** Browsers refuse canvases wider than about 32k px; a sequence is never drawn wider than this. */
export const MAX_CANVAS_WIDTH = 30000;

/** logomaker's "classic" DNA colours: A green, C blue, G orange, T red (other letters grey). */
const BASE_COLOURS: Record<string, string> = {
  A: "#109648",
  C: "#255c99",
  G: "#f7b32b",
  T: "#d62839",
  U: "#d62839",
};

export function baseColour(letter: string): string {
  return BASE_COLOURS[letter.toUpperCase()] ?? "#777777";
}

/** The letters of `codes` (indices into `alphabet`; anything else is "N"). */
export function lettersOf(codes: ArrayLike<number>, alphabet: string): string {
  let text = "";
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i];
    text += code >= 0 && code < alphabet.length ? alphabet[code] : "N";
  }
  return text;
}

/** The largest |value| (NaN ignored), 0 when there is none: values are drawn over [-scale, +scale]. */
export function symmetricScale(values: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < values.length; i++) {
    const magnitude = Math.abs(values[i]);
    if (magnitude > largest) largest = magnitude;
  }
  return largest;
}

export type RGB = [number, number, number];

/** The colour of `value` on a diverging table (`lut`, as colormap.lut gives), zero at its centre. */
export function divergingColour(value: number, scale: number, table: Uint8ClampedArray): RGB {
  const position = scale > 0 && Number.isFinite(value) ? 0.5 + value / (2 * scale) : 0.5;
  const i = 4 * lutIndex(position, true);
  return [table[i], table[i + 1], table[i + 2]];
}

/** Black or white, whichever reads better on `rgb` (by its relative luminance). */
export function inkOn([r, g, b]: RGB): string {
  const luminance = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  return luminance > 0.55 ? "#111111" : "#ffffff";
}

export function cssColour([r, g, b]: RGB): string {
  return `rgb(${r}, ${g}, ${b})`;
}

/**
 * Pixels per base after a zoom request: within MIN..MAX_ZOOM and never wider than a canvas can
 * be (a very long sequence gets less than a pixel per base at its widest).
 */
export function clampZoom(zoom: number, length: number): number {
  const widest = length > 0 ? MAX_CANVAS_WIDTH / length : MAX_ZOOM;
  const z = Number.isFinite(zoom) ? zoom : DEFAULT_ZOOM;
  return Math.max(Math.min(MIN_ZOOM, widest), Math.min(z, MAX_ZOOM, widest));
}

/** The next zoom in (`direction` > 0) or out: steps of about a quarter, whole pixels. */
export function zoomStep(zoom: number, direction: number, length: number): number {
  const next = direction > 0 ? Math.max(zoom + 1, Math.round(zoom * 1.25)) : Math.min(zoom - 1, Math.round(zoom / 1.25));
  return clampZoom(next, length);
}

/**
 * The base under client x on a strip of `length` bases occupying [left, left + width) (its
 * bounding rect, so scrolling is already accounted for), or null outside it.
 */
export function positionAt(clientX: number, left: number, width: number, length: number): number | null {
  if (!(width > 0 && length > 0)) return null;
  const dx = clientX - left;
  if (!(dx >= 0 && dx <= width)) return null;
  return Math.min(length - 1, Math.floor((dx / width) * length));
}

/** The row under client y on a block of `rows` equal rows occupying [top, top + height), or null. */
export function rowAt(clientY: number, top: number, height: number, rows: number): number | null {
  return positionAt(clientY, top, height, rows);
}

/** One base changed by the user: the open sequence's `position` now reads `base`. */
export interface BaseEdit {
  position: number;
  base: string;
}

/**
 * The edits after setting `position` to `base`: an earlier edit there is replaced, and setting
 * a base back to the reference removes the edit (so the list says exactly what differs).
 */
export function withEdit(edits: readonly BaseEdit[], position: number, base: string, reference: string): BaseEdit[] {
  const rest = edits.filter((edit) => edit.position !== position);
  if (reference[position] === base) return rest;
  return [...rest, { position, base }].sort((a, b) => a.position - b.position);
}

/** A letter box to draw: `letter` stretched into [x, x + width) x [y, y + height) in CSS px. */
export interface Glyph {
  letter: string;
  x: number;
  y: number;
  width: number;
  height: number;
  colour: string;
}

/** Whether every finite value is >= 0 (an unsigned map, such as |gradient|: its logo needs no lower half). */
export function allNonNegative(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] < 0) return false;
  return true;
}

/**
 * An attribution logo with one letter per position (the observed base): its height is
 * |score| / scale of half the track, above the middle line for positive scores and below it
 * (drawn upside down by the caller) for negative ones. An unsigned logo (`signed` false) uses
 * the whole height above the bottom line.
 */
export function signedLogo(letters: string, scores: ArrayLike<number>, scale: number, zoom: number, height: number, signed = true): Glyph[] {
  const baseline = signed ? height / 2 : height;
  const glyphs: Glyph[] = [];
  for (let i = 0; i < letters.length && i < scores.length; i++) {
    const value = scores[i];
    if (!(scale > 0) || !Number.isFinite(value) || value === 0) continue;
    const h = (Math.min(Math.abs(value), scale) / scale) * baseline;
    if (h < 0.5) continue;
    glyphs.push({ letter: letters[i], x: i * zoom, y: value > 0 ? baseline - h : baseline, width: zoom, height: h, colour: baseColour(letters[i]) });
  }
  return glyphs;
}

/**
 * A stacked logo of an (A, L) matrix of non-negative heights (bits, say) read row-major: per
 * position the letters are stacked smallest at the bottom, and `top` (in the matrix's units)
 * maps to the full track height.
 */
export function stackedLogo(heights: ArrayLike<number>, alphabet: string, length: number, top: number, zoom: number, trackHeight: number): Glyph[] {
  const glyphs: Glyph[] = [];
  if (!(top > 0)) return glyphs;
  const perUnit = trackHeight / top;
  for (let position = 0; position < length; position++) {
    const column = Array.from(alphabet, (letter, a) => ({ letter, value: heights[a * length + position] }))
      .filter((entry) => Number.isFinite(entry.value) && entry.value > 0)
      .sort((a, b) => a.value - b.value);
    let bottom = trackHeight;
    for (const { letter, value } of column) {
      const h = value * perUnit;
      bottom -= h;
      if (h >= 0.5) glyphs.push({ letter, x: position * zoom, y: bottom, width: zoom, height: h, colour: baseColour(letter) });
    }
  }
  return glyphs;
}

/** A stretch of a sequence to mark: [start, end) with a label (a site's strand, a motif's name). */
export interface Span {
  start: number;
  end: number;
  label: string;
}

/** Spans from `[start, end, label]` triples, clipped to the sequence and dropped when empty or malformed. */
export function spansOf(value: unknown, length: number): Span[] {
  if (!Array.isArray(value)) return [];
  const spans: Span[] = [];
  for (const item of value) {
    if (!Array.isArray(item) || item.length < 2) continue;
    const start = Math.max(0, Math.floor(Number(item[0])));
    const end = Math.min(length, Math.floor(Number(item[1])));
    if (Number.isFinite(start) && Number.isFinite(end) && end > start) spans.push({ start, end, label: String(item[2] ?? "") });
  }
  return spans;
}

/** The positions (0-based) where `now` differs from `reference`. */
export function changedPositions(reference: string, now: string): number[] {
  const changed: number[] = [];
  for (let i = 0; i < Math.min(reference.length, now.length); i++) if (reference[i] !== now[i]) changed.push(i);
  return changed;
}

/** Ruler ticks along a sequence: 1-based positions every `every` bases (chosen so labels do not touch). */
export function rulerTicks(length: number, zoom: number, minGapPx = 40): number[] {
  const steps = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000];
  const every = steps.find((step) => step * zoom >= minGapPx) ?? steps[steps.length - 1];
  const ticks: number[] = [1];
  for (let p = every; p <= length; p += every) ticks.push(p);
  return ticks;
}
