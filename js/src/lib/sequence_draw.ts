/**
 * Drawing sequences on a 2D canvas: letter cells coloured by attribution, logos (letters
 * stretched to a box, as logomaker draws them), a (A, L) heat map, underlines and a ruler.
 * Coordinates are CSS px; the caller scales the context for devicePixelRatio.
 */
import type { Glyph, RGB, Span } from "./sequence";
import { cssColour, divergingColour, inkOn } from "./sequence";

/** The font letters are measured and drawn in before they are stretched to their box. */
const GLYPH_FONT = "bold 100px 'DejaVu Sans Mono', Menlo, Consolas, monospace";

interface LetterBox {
  left: number;
  ascent: number;
  width: number;
  height: number;
}

const boxes = new Map<string, LetterBox>();

/** The ink box of `letter` in GLYPH_FONT (measured once; a context without metrics gets a typical box). */
function letterBox(ctx: CanvasRenderingContext2D, letter: string): LetterBox {
  const cached = boxes.get(letter);
  if (cached) return cached;
  ctx.font = GLYPH_FONT;
  const metrics = ctx.measureText(letter) as TextMetrics | undefined;
  const ascent = metrics?.actualBoundingBoxAscent ?? 0;
  const descent = metrics?.actualBoundingBoxDescent ?? 0;
  const left = metrics?.actualBoundingBoxLeft ?? 0;
  const right = metrics?.actualBoundingBoxRight ?? 0;
  const measured = ascent + descent > 0 && left + right > 0;
  const box = measured ? { left, ascent, width: left + right, height: ascent + descent } : { left: 0, ascent: 73, width: 60, height: 73 };
  if (measured) boxes.set(letter, box);
  return box;
}

/** Draw each glyph's letter stretched to its box; `flipBelow`: glyphs below y = `flipBelow` are drawn upside down. */
export function drawGlyphs(ctx: CanvasRenderingContext2D, glyphs: readonly Glyph[], flipBelow: number | null = null): void {
  for (const glyph of glyphs) {
    const box = letterBox(ctx, glyph.letter);
    const flipped = flipBelow !== null && glyph.y >= flipBelow;
    // A little air between neighbouring letters, as in printed logos.
    const inset = glyph.width > 6 ? glyph.width * 0.06 : 0;
    ctx.save();
    ctx.translate(glyph.x + inset, flipped ? glyph.y + glyph.height : glyph.y);
    ctx.scale((glyph.width - 2 * inset) / box.width, (flipped ? -glyph.height : glyph.height) / box.height);
    ctx.font = GLYPH_FONT;
    ctx.textBaseline = "alphabetic";
    ctx.fillStyle = glyph.colour;
    ctx.fillText(glyph.letter, box.left, box.ascent);
    ctx.restore();
  }
}

/**
 * One row of letters, each on a cell coloured by its score on the diverging `table` over
 * [-scale, scale], the letter in black or white, whichever reads on its cell.
 */
export function drawLetterRow(
  ctx: CanvasRenderingContext2D,
  letters: string,
  scores: ArrayLike<number> | null,
  scale: number,
  table: Uint8ClampedArray,
  zoom: number,
  y: number,
  height: number,
): void {
  const fontSize = Math.min(height * 0.8, zoom * 1.3);
  ctx.font = `600 ${fontSize}px 'DejaVu Sans Mono', Menlo, Consolas, monospace`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  for (let i = 0; i < letters.length; i++) {
    const colour: RGB = scores ? divergingColour(scores[i], scale, table) : [255, 255, 255];
    ctx.fillStyle = cssColour(colour);
    ctx.fillRect(i * zoom, y, zoom, height);
    if (zoom >= 6) {
      ctx.fillStyle = inkOn(colour);
      ctx.fillText(letters[i], (i + 0.5) * zoom, y + height / 2 + 0.5);
    }
  }
  ctx.textAlign = "start";
}

/** An (A, L) matrix (row-major) as cells `zoom` wide and `rowHeight` tall, coloured on `table`. */
export function drawMatrix(
  ctx: CanvasRenderingContext2D,
  values: ArrayLike<number>,
  rows: number,
  length: number,
  scale: number,
  table: Uint8ClampedArray,
  zoom: number,
  rowHeight: number,
): void {
  for (let a = 0; a < rows; a++) {
    for (let i = 0; i < length; i++) {
      ctx.fillStyle = cssColour(divergingColour(values[a * length + i], scale, table));
      ctx.fillRect(i * zoom, a * rowHeight, zoom, rowHeight);
    }
  }
}

/** A dot in each cell of the observed base (the reference: a substitution to itself is 0 by definition). */
export function drawReferenceDots(ctx: CanvasRenderingContext2D, codes: ArrayLike<number>, zoom: number, rowHeight: number): void {
  ctx.fillStyle = "#333333";
  const radius = Math.max(1, Math.min(zoom, rowHeight) * 0.15);
  for (let i = 0; i < codes.length; i++) {
    ctx.beginPath();
    ctx.arc((i + 0.5) * zoom, (codes[i] + 0.5) * rowHeight, radius, 0, 2 * Math.PI);
    ctx.fill();
  }
}

/** A line under each span (known sites, motifs found) at y, `colour`. */
export function drawUnderlines(ctx: CanvasRenderingContext2D, spans: readonly Span[], zoom: number, y: number, colour: string, width = 2): void {
  ctx.fillStyle = colour;
  for (const span of spans) ctx.fillRect(span.start * zoom, y, (span.end - span.start) * zoom, width);
}

/** A box around each span from y to y + height. */
export function drawSpanBoxes(ctx: CanvasRenderingContext2D, spans: readonly Span[], zoom: number, y: number, height: number, colour: string): void {
  ctx.strokeStyle = colour;
  ctx.lineWidth = 2;
  for (const span of spans) ctx.strokeRect(span.start * zoom + 1, y + 1, (span.end - span.start) * zoom - 2, height - 2);
}

/** Position numbers (1-based) at `ticks`, centred on their base, with a small tick mark. */
export function drawRuler(ctx: CanvasRenderingContext2D, ticks: readonly number[], zoom: number): void {
  ctx.fillStyle = "#555555";
  ctx.font = "10px sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const tick of ticks) {
    const x = (tick - 0.5) * zoom;
    ctx.fillRect(Math.round(x), 0, 1, 3);
    ctx.fillText(String(tick), x, 4);
  }
  ctx.textAlign = "start";
}

/** Size a canvas's backing store for `cssWidth` x `cssHeight` at the device's pixel ratio; returns its scaled context. */
export function prepareCanvas(canvas: HTMLCanvasElement, cssWidth: number, cssHeight: number): CanvasRenderingContext2D | null {
  const ratio = typeof window !== "undefined" && window.devicePixelRatio > 0 ? window.devicePixelRatio : 1;
  const width = Math.max(1, Math.round(cssWidth * ratio));
  const height = Math.max(1, Math.round(cssHeight * ratio));
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  canvas.style.width = `${cssWidth}px`;
  canvas.style.height = `${cssHeight}px`;
  const ctx = canvas.getContext("2d");
  if (!ctx) return null;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, cssWidth, cssHeight);
  return ctx;
}
