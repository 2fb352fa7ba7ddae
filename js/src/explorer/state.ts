/**
 * The explorer's traits and the pure decisions made from them: a panel's status line, the
 * colormap "auto" resolves to, gallery labels, tile sizes and keyboard steps.
 */
import { hasColormap } from "../colormap";
import type { BytesLike } from "../decode";
import { formatValue } from "../heatmap";
import type { Pixel } from "../hittest";
import { REDUCTIONS, SIGNS, type Reduction, type Sign } from "../normalize";

export type EditTool = "none" | "paint" | "erase" | "rectangle";
export const EDIT_TOOLS: readonly EditTool[] = ["none", "paint", "erase", "rectangle"];

export type PanelStatus = "idle" | "computing" | "error";

/** One entry of the `panels` trait, as Python sends it. */
export interface PanelEntry {
  values?: BytesLike | null;
  dtype?: string;
  shape?: number[];
  signed?: boolean;
  status?: PanelStatus | string;
  error?: string;
  elapsed_ms?: number;
  target?: number;
  delta?: number | null;
}

export interface SampleLabel {
  true?: string | null;
  predicted?: string;
  correct?: boolean | null;
}

export type EditOp =
  | { tool: "paint"; points: Pixel[]; radius: number; color: [number, number, number] }
  | { tool: "erase"; points: Pixel[]; radius: number }
  | { tool: "rectangle"; rect: [number, number, number, number] };

/** The traits of the image_explorer view (see xai_widgets/widgets/explorer_canvas.py). */
export interface ExplorerTraits {
  view: string;
  samples: BytesLike | null;
  samples_shape: number[];
  sample_labels: SampleLabel[];
  sample_index: number;
  image: BytesLike | null;
  image_shape: number[];
  mask: BytesLike | null;
  mask_shape: number[];
  show_mask: boolean;
  enabled_methods: string[];
  panels: Record<string, PanelEntry>;
  target_label: string;
  clicked_pixel: number[];
  edits: EditOp[];
  edit_tool: EditTool;
  brush_radius: number;
  brush_color: number[];
  colormap: string;
  sign: string;
  clip_percentile: number;
  opacity: number;
  reduction: string;
  display_size: number;
  status: string;
  error: string;
}

/** The colormaps "auto" picks: zero-centred for signed maps, dark-to-bright for magnitudes. */
export const AUTO_DIVERGING = "RdBu_r";
export const AUTO_SEQUENTIAL = "inferno";

/** The colormap a panel is painted with: a known name as given, else the automatic choice. */
export function resolveColormap(name: string | undefined, signed: boolean): string {
  if (name !== undefined && name !== "auto" && hasColormap(name)) return name;
  return signed ? AUTO_DIVERGING : AUTO_SEQUENTIAL;
}

/**
 * The sign filter a panel is normalized with. An unsigned map shown with "all" is shown as
 * magnitudes, so a sequential map spans its whole range instead of starting at its middle.
 */
export function effectiveSign(sign: string | undefined, signed: boolean): Sign {
  const chosen = SIGNS.includes(sign as Sign) ? (sign as Sign) : "all";
  return chosen === "all" && !signed ? "absolute" : chosen;
}

export function validReduction(value: string | undefined): Reduction {
  return REDUCTIONS.includes(value as Reduction) ? (value as Reduction) : "sum";
}

export function isTool(value: unknown): value is EditTool {
  return EDIT_TOOLS.includes(value as EditTool);
}

/** What a panel's status line says, and how it is styled. */
export interface PanelStatusLine {
  status: PanelStatus;
  text: string;
}

/** "computing…" until a result arrives (also while a new one is computed), the time (and Δ) after. */
export function panelStatusLine(entry: PanelEntry | undefined): PanelStatusLine {
  if (!entry || entry.status === "computing") return { status: "computing", text: "computing…" };
  if (entry.status === "error") return { status: "error", text: entry.error || "this method failed" };
  const parts: string[] = [];
  if (typeof entry.elapsed_ms === "number" && Number.isFinite(entry.elapsed_ms)) {
    parts.push(`${formatValue(Math.round(entry.elapsed_ms * 10) / 10)} ms`);
  }
  if (typeof entry.delta === "number") parts.push(`Δ=${formatValue(entry.delta)}`);
  return { status: "idle", text: parts.join(" · ") };
}

export type Correctness = "correct" | "wrong" | "unknown";

export interface GalleryLabel {
  correctness: Correctness;
  /** ✓, ✗ or nothing when the true label is unknown. */
  mark: string;
  predicted: string;
  /** The true label, shown only when the prediction is wrong. */
  truth: string;
  /** The whole story, for a tooltip and screen readers. */
  description: string;
}

export function galleryLabel(label: SampleLabel | undefined, index: number): GalleryLabel {
  const predicted = label?.predicted ?? "";
  const truth = label?.true ?? null;
  let correct = label?.correct;
  if (correct === undefined || correct === null) correct = truth !== null && predicted !== "" ? truth === predicted : null;
  const correctness: Correctness = correct === null ? "unknown" : correct ? "correct" : "wrong";
  const mark = correctness === "correct" ? "✓" : correctness === "wrong" ? "✗" : "";
  const parts = [`sample ${index}`];
  if (predicted) parts.push(`predicted ${predicted}`);
  if (truth !== null) parts.push(`true ${truth}`);
  if (correctness !== "unknown") parts.push(correctness);
  return { correctness, mark, predicted, truth: correctness === "wrong" && truth !== null ? truth : "", description: parts.join(", ") };
}

/** The gallery selection after a key press, or null for a key that does not move it. */
export function stepIndex(index: number, key: string, count: number): number | null {
  if (count <= 0) return null;
  const current = Number.isInteger(index) ? Math.min(count - 1, Math.max(0, index)) : 0;
  switch (key) {
    case "ArrowLeft":
    case "ArrowUp":
      return Math.max(0, current - 1);
    case "ArrowRight":
    case "ArrowDown":
      return Math.min(count - 1, current + 1);
    case "Home":
      return 0;
    case "End":
      return count - 1;
    default:
      return null;
  }
}

const PIXEL_STEPS: Record<string, Pixel> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

/** The crosshair after an arrow key on a (height, width) grid; it starts at the centre. */
export function stepPixel(current: Pixel | null, key: string, height: number, width: number): Pixel | null {
  const step = PIXEL_STEPS[key];
  if (!step || height <= 0 || width <= 0) return null;
  const start = current ?? [Math.floor(height / 2), Math.floor(width / 2)];
  const clamp = (v: number, n: number): number => Math.min(n - 1, Math.max(0, v));
  return [clamp(start[0] + step[0], height), clamp(start[1] + step[1], width)];
}

/** A pixel inside a (height, width) grid, or null. */
export function pixelInGrid(value: unknown, height: number, width: number): Pixel | null {
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [row, col] = value;
  if (!Number.isInteger(row) || !Number.isInteger(col)) return null;
  return row >= 0 && row < height && col >= 0 && col < width ? [row, col] : null;
}

/** Default CSS size of a tile's longer side: several fit side by side in a notebook. */
export const DEFAULT_TILE = 192;

/**
 * CSS width and height of a tile showing a (height, width) grid: `requested` px on the longer
 * side when positive; otherwise small grids grow by a whole factor (sharp pixels) up to
 * DEFAULT_TILE, and large ones shrink to fit 256.
 */
export function tileSize(height: number, width: number, requested: number | undefined): [number, number] {
  const longest = Math.max(height, width, 1);
  let scale: number;
  if (requested !== undefined && requested > 0) scale = requested / longest;
  else if (longest <= DEFAULT_TILE) scale = Math.max(1, Math.floor(DEFAULT_TILE / longest));
  else scale = Math.min(1, 256 / longest);
  return [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))];
}


/** The colorbar's three labels (left, middle, right) for a sign filter and the value that maps to 1. */
export function legendLabels(sign: Sign, scale: number): [string, string, string] {
  const s = formatValue(scale);
  switch (sign) {
    case "all":
      return [`−${s}`, "0", `+${s}`];
    case "negative":
      return [`−${s}`, "", "0"];
    default:
      return ["0", "", s];
  }
}
