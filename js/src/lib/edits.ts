/**
 * The edit operations the `edits` trait carries (Python replays them on the image), the tools
 * that make them, and the brush's radius and colour as the trait and the inputs hold them.
 */
import type { Pixel } from "./hittest";

export type EditTool = "none" | "paint" | "erase" | "rectangle";
export const EDIT_TOOLS: readonly EditTool[] = ["none", "paint", "erase", "rectangle"];

export type RGB = [number, number, number];

/**
 * What erase and rectangle fill with (Python replays it): the original image blurred, its mean
 * colour, or black (0). Blur is the default: it removes a shape without adding one.
 */
export type EditFill = "blur" | "mean" | "black";
export const EDIT_FILLS: readonly EditFill[] = ["blur", "mean", "black"];
export const DEFAULT_FILL: EditFill = "blur";

export type EditOp =
  | { tool: "paint"; points: Pixel[]; radius: number; color: [number, number, number] }
  | { tool: "erase"; points: Pixel[]; radius: number; fill?: EditFill }
  | { tool: "rectangle"; rect: [number, number, number, number]; fill?: EditFill };

/** What a drag shows before Python has replayed it: the stroke so far, or the box; with a fill, its look. */
export type EditPreview =
  | { kind: "stroke"; tool: "paint" | "erase"; points: Pixel[]; radius: number; colour: RGB; fill?: EditFill }
  | { kind: "rect"; rect: [number, number, number, number]; fill?: EditFill };

export const MIN_RADIUS = 1;
export const MAX_RADIUS = 32;

export function isTool(value: unknown): value is EditTool {
  return EDIT_TOOLS.includes(value as EditTool);
}

export function isFill(value: unknown): value is EditFill {
  return EDIT_FILLS.includes(value as EditFill);
}

/** The `edit_fill` trait, or the default for anything else. */
export function editFill(value: unknown): EditFill {
  return isFill(value) ? value : DEFAULT_FILL;
}

export function clampRadius(value: unknown): number {
  const n = Math.round(Number(value));
  return Number.isFinite(n) ? Math.min(MAX_RADIUS, Math.max(MIN_RADIUS, n)) : 3;
}

/** The `brush_color` trait as [r, g, b] in 0..1; white for anything malformed. */
export function brushColour(value: unknown): RGB {
  if (!Array.isArray(value) || value.length !== 3) return [1, 1, 1];
  return value.map((v) => Math.min(1, Math.max(0, Number(v) || 0))) as RGB;
}

/** [r, g, b] in 0..1 as "#rrggbb" for an <input type=color>; white for anything malformed. */
export function rgbToHex(colour: unknown): string {
  if (!Array.isArray(colour) || colour.length !== 3) return "#ffffff";
  const hex = colour.map((v) => {
    const byte = Math.round(Math.min(1, Math.max(0, Number(v) || 0)) * 255);
    return byte.toString(16).padStart(2, "0");
  });
  return `#${hex.join("")}`;
}

/** "#rrggbb" (or "#rgb") as [r, g, b] in 0..1, rounded to 4 decimals; null when malformed. */
export function hexToRgb(hex: string): RGB | null {
  let digits = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim())?.[1];
  if (!digits) return null;
  if (digits.length === 3) digits = [...digits].map((d) => d + d).join("");
  const channel = (i: number): number => Math.round((parseInt(digits!.slice(2 * i, 2 * i + 2), 16) / 255) * 1e4) / 1e4;
  return [channel(0), channel(1), channel(2)];
}
