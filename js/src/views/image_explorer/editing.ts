/**
 * Pure editing logic: pointer positions to image pixels, strokes and rectangles to the edit
 * operations of the `edits` trait, and how often a growing stroke is sent to Python.
 */
import { DEFAULT_FILL, type EditFill, type EditOp, type EditPreview, type EditTool, type RGB } from "../../lib/edits";
import { clientToPixel, type Pixel, type Rect } from "../../lib/hittest";

/** A growing stroke replaces the last edit at most this often while it is dragged. */
export const STROKE_INTERVAL_MS = 60;

/** The cell under a client point, clamped into the grid: a drag may leave the canvas. */
export function clampedPixel(x: number, y: number, rect: Rect, height: number, width: number): Pixel | null {
  if (!(Number.isFinite(x) && Number.isFinite(y))) return null;
  const cx = Math.min(rect.left + rect.width, Math.max(rect.left, x));
  const cy = Math.min(rect.top + rect.height, Math.max(rect.top, y));
  return clientToPixel(cx, cy, rect, height, width);
}

/**
 * The point to add to a stroke ending at `last` when the pointer reaches `next`: none when it
 * is the same pixel. Python joins consecutive points with segments, so a fast drag that skips
 * pixels leaves no gaps and needs no points in between.
 */
export function strokeStep(last: Pixel | undefined, next: Pixel): Pixel[] {
  if (last && last[0] === next[0] && last[1] === next[1]) return [];
  return [[next[0], next[1]]];
}

/** Inclusive [r0, c0, r1, c1] with r0 <= r1 and c0 <= c1, whichever corner the drag began at. */
export function normalizeRect(a: Pixel, b: Pixel): [number, number, number, number] {
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])];
}

/** One drag with an editing tool, in image pixels. */
export class EditGesture {
  readonly points: Pixel[] = [];
  private end: Pixel;

  constructor(
    readonly tool: Exclude<EditTool, "none">,
    readonly start: Pixel,
    readonly radius: number,
    readonly colour: RGB,
    readonly fill: EditFill = DEFAULT_FILL,
  ) {
    this.end = start;
    if (tool !== "rectangle") this.points.push([start[0], start[1]]);
  }

  /** Follow the pointer to `pixel`; true when the operation changed. */
  move(pixel: Pixel): boolean {
    if (this.tool === "rectangle") {
      const changed = pixel[0] !== this.end[0] || pixel[1] !== this.end[1];
      this.end = pixel;
      return changed;
    }
    const added = strokeStep(this.points[this.points.length - 1], pixel);
    this.points.push(...added);
    return added.length > 0;
  }

  /** The operation as it stands, ready for the `edits` trait (a fresh object each time). */
  op(): EditOp {
    if (this.tool === "rectangle") return { tool: "rectangle", rect: normalizeRect(this.start, this.end), fill: this.fill };
    const points = this.points.map((p): Pixel => [p[0], p[1]]);
    if (this.tool === "erase") return { tool: "erase", points, radius: this.radius, fill: this.fill };
    return { tool: "paint", points, radius: this.radius, color: [...this.colour] as RGB };
  }

  preview(): EditPreview {
    if (this.tool === "rectangle") return { kind: "rect", rect: normalizeRect(this.start, this.end), fill: this.fill };
    return { kind: "stroke", tool: this.tool, points: this.points, radius: this.radius, colour: this.colour, fill: this.fill };
  }
}

/** `edits` with `op` appended, and where it sits. */
export function appendEdit(edits: readonly EditOp[] | undefined, op: EditOp): { edits: EditOp[]; index: number } {
  const next = [...(edits ?? []), op];
  return { edits: next, index: next.length - 1 };
}

/**
 * `edits` with the element at `index` (the stroke being dragged, which must still be the last)
 * replaced by `op`; null when someone else changed the list meanwhile (a reset, a new sample),
 * so the drag stops writing.
 */
export function replaceEdit(edits: readonly EditOp[] | undefined, index: number, op: EditOp): EditOp[] | null {
  const current = edits ?? [];
  if (current.length !== index + 1) return null;
  return [...current.slice(0, index), op];
}

/** Leading-edge throttle: how long to wait before the next send is allowed. */
export class Throttle {
  private last = -Infinity;

  constructor(readonly interval: number = STROKE_INTERVAL_MS) {}

  /** Milliseconds until a send is allowed at `now` (0: send now). */
  wait(now: number): number {
    return Math.max(0, this.last + this.interval - now);
  }

  sent(now: number): void {
    this.last = now;
  }
}
