/**
 * HeatmapView: an attribution painted over its input image (or alone, at full strength, when
 * there is no image); a click or the arrow keys write the chosen cell back to `clicked_pixel`.
 */
import type { AnyModel } from "@anywidget/types";
import { DEFAULT_COLORMAP, hasColormap, isDiverging, lut } from "./colormap";
import { decodeArray, isDType, type BytesLike, type NDArray } from "./decode";
import { drawCrosshair, drawMaskOutline, drawPixels, sizeCanvas } from "./draw";
import { eventToPixel, type Pixel } from "./hittest";
import {
  DEFAULT_CLIP_PERCENTILE,
  REDUCTIONS,
  SIGNS,
  normalizeMap,
  reduceChannels,
  type Map2D,
  type NormalizedMap,
  type Reduction,
  type Sign,
} from "./normalize";
import { blend, colorbarValues, maskEdges, paintImage, paintMap, resizeNearest, type RGBAImage } from "./paint";

/** The traits this view reads (all set from Python) and writes (`clicked_pixel`). */
export interface HeatmapTraits {
  image: BytesLike | null;
  image_dtype: string;
  image_shape: number[];
  attribution: BytesLike | null;
  attribution_dtype: string;
  attribution_shape: number[];
  colormap: string;
  sign: string;
  clip_percentile: number;
  opacity: number;
  reduction: string;
  clicked_pixel: number[] | null;
  // Optional: read when the Python class has them.
  mask?: BytesLike | null;
  mask_shape?: number[];
  display_size?: number;
  status?: string;
  error?: string;
  elapsed_ms?: number;
}

type Model = AnyModel<HeatmapTraits>;

const COLORBAR_WIDTH = 256;

/** CSS width and height for a grid: small grids are scaled up by a whole factor. */
export function displaySize(height: number, width: number, requested: number | undefined): [number, number] {
  const longest = Math.max(height, width, 1);
  let scale: number;
  if (requested !== undefined && requested > 0) scale = requested / longest;
  else if (longest < 256) scale = Math.floor(256 / longest);
  else scale = Math.min(1, 512 / longest);
  return [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))];
}

export function hasBytes(value: BytesLike | null | undefined): value is BytesLike {
  return value !== null && value !== undefined && value.byteLength > 0;
}

export function decodeTrait(bytes: BytesLike | null | undefined, dtype: unknown, shape: unknown, name: string): NDArray | null {
  if (!hasBytes(bytes)) return null;
  if (!isDType(dtype)) throw new Error(`${name}: unsupported dtype "${String(dtype)}".`);
  if (!Array.isArray(shape)) throw new Error(`${name}: shape must be a list of integers.`);
  try {
    return decodeArray(bytes, dtype, shape);
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}`);
  }
}

export function asPixel(value: unknown): Pixel | null {
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [row, col] = value;
  return Number.isInteger(row) && Number.isInteger(col) ? [row, col] : null;
}

export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e4 || magnitude < 1e-3) return value.toExponential(2);
  return String(Number(value.toPrecision(3)));
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, className: string, parent?: HTMLElement): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  parent?.appendChild(node);
  return node;
}

export function renderHeatmap({ model, el }: { model: Model; el: HTMLElement }): () => void {
  const root = element("div", "xw-view xw-heatmap", el);
  const stage = element("div", "xw-stage", root);
  const canvas = element("canvas", "xw-canvas", stage);
  canvas.tabIndex = 0;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", "Attribution heatmap; click or use the arrow keys to choose a pixel");
  const colorbar = element("div", "xw-colorbar", root);
  const colorbarCanvas = element("canvas", "xw-colorbar-canvas", colorbar);
  colorbarCanvas.width = COLORBAR_WIDTH;
  colorbarCanvas.height = 1;
  const colorbarLabels = element("div", "xw-colorbar-labels", colorbar);
  const labels = [element("span", "", colorbarLabels), element("span", "", colorbarLabels), element("span", "", colorbarLabels)];
  const readout = element("div", "xw-readout", root);
  const statusLine = element("div", "xw-status", root);
  const message = element("div", "xw-message", root);

  // Each stage is recomputed only when a trait it depends on changed (undefined = stale).
  let image: RGBAImage | null | undefined;
  let attribution: NDArray | null | undefined;
  let reduced: Map2D | null | undefined;
  let normalized: NormalizedMap | null | undefined;
  let heat: RGBAImage | null | undefined;
  let edges: Float32Array | null | undefined;
  let edgesGrid = "";
  let grid: [number, number] | null = null;
  let frame = 0;

  const colormapName = (): string => {
    const name = model.get("colormap");
    return hasColormap(name) ? name : DEFAULT_COLORMAP;
  };
  const sign = (): Sign => {
    const value = model.get("sign") as Sign;
    return SIGNS.includes(value) ? value : "all";
  };
  const reduction = (): Reduction => {
    const value = model.get("reduction") as Reduction;
    return REDUCTIONS.includes(value) ? value : "sum";
  };

  function compute(): RGBAImage | null {
    if (image === undefined) {
      const decoded = decodeTrait(model.get("image"), model.get("image_dtype"), model.get("image_shape"), "image");
      image = decoded ? paintImage(decoded) : null;
    }
    if (attribution === undefined) {
      attribution = decodeTrait(
        model.get("attribution"),
        model.get("attribution_dtype"),
        model.get("attribution_shape"),
        "attribution",
      );
    }
    if (reduced === undefined) reduced = attribution ? reduceChannels(attribution, reduction()) : null;
    if (normalized === undefined) {
      normalized = reduced ? normalizeMap(reduced, sign(), model.get("clip_percentile") ?? DEFAULT_CLIP_PERCENTILE) : null;
    }
    if (heat === undefined) {
      const name = colormapName();
      heat = normalized ? paintMap(normalized, lut(name), isDiverging(name)) : null;
    }
    const base = image ?? heat;
    grid = base ? [base.height, base.width] : null;
    const gridKey = grid ? grid.join("x") : "";
    if (edges === undefined || edgesGrid !== gridKey) {
      edges = null;
      edgesGrid = gridKey;
      const shape = model.get("mask_shape");
      const mask = decodeTrait(model.get("mask"), "uint8", shape, "mask");
      if (mask && grid) {
        if (shape!.length !== 2 || shape![0] !== grid[0] || shape![1] !== grid[1]) {
          edges = undefined;
          throw new Error(`mask: shape [${shape!.join(", ")}] does not match the image grid ${grid[0]}x${grid[1]}.`);
        }
        edges = maskEdges(mask.data, grid[0], grid[1]);
      }
    }
    if (image && heat) return blend(image, resizeNearest(heat, image.width, image.height), model.get("opacity") ?? 0.5);
    return base;
  }

  function drawColorbar(): void {
    const ctx = colorbarCanvas.getContext("2d");
    const shown = normalized && heat ? normalized : null;
    colorbar.hidden = shown === null;
    if (!ctx || !shown) return;
    const name = colormapName();
    const values = colorbarValues(shown.sign, COLORBAR_WIDTH);
    const strip = paintMap({ values, height: 1, width: COLORBAR_WIDTH, sign: shown.sign, scale: 1 }, lut(name), isDiverging(name));
    const pixels = new ImageData(COLORBAR_WIDTH, 1);
    pixels.data.set(strip.data);
    ctx.putImageData(pixels, 0, 0);
    const s = formatValue(shown.scale);
    const texts: Record<Sign, [string, string, string]> = {
      all: [`−${s}`, "0", `+${s}`],
      positive: ["0", "", s],
      absolute: ["0", "", s],
      negative: [`−${s}`, "", "0"],
    };
    texts[shown.sign].forEach((text, i) => (labels[i].textContent = text));
  }

  function drawStatus(): void {
    const status = model.get("status");
    const error = model.get("error");
    const elapsed = model.get("elapsed_ms");
    statusLine.hidden = status === undefined;
    if (status === undefined) return;
    statusLine.dataset.status = status;
    if (status === "error") statusLine.textContent = `Error: ${error || "unknown error"}`;
    else if (status === "computing") statusLine.textContent = "Computing…";
    else statusLine.textContent = typeof elapsed === "number" && elapsed > 0 ? `Computed in ${formatValue(elapsed)} ms` : "";
  }

  function draw(): void {
    frame = 0;
    drawStatus();
    let composite: RGBAImage | null;
    try {
      composite = compute();
      message.textContent = "";
      message.classList.remove("xw-error");
    } catch (error) {
      composite = null;
      grid = null;
      message.textContent = (error as Error).message;
      message.classList.add("xw-error");
    }
    canvas.hidden = composite === null;
    drawColorbar();
    if (!composite || !grid) {
      if (!message.textContent) message.textContent = "Nothing to show yet.";
      return;
    }
    const [height, width] = grid;
    const [cssWidth, cssHeight] = displaySize(height, width, model.get("display_size"));
    sizeCanvas(canvas, cssWidth, cssHeight);
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    drawPixels(ctx, composite);
    if (edges) drawMaskOutline(ctx, edges, height, width);
    const pixel = asPixel(model.get("clicked_pixel"));
    if (pixel && pixel[0] >= 0 && pixel[0] < height && pixel[1] >= 0 && pixel[1] < width) {
      drawCrosshair(ctx, pixel[0], pixel[1], height, width);
    }
  }

  function schedule(): void {
    if (frame === 0) frame = requestAnimationFrame(draw);
  }

  function choose(pixel: Pixel): void {
    model.set("clicked_pixel", pixel);
    model.save_changes();
  }

  /** The raw (channel-reduced) attribution under an image cell, for the readout. */
  function attributionAt(row: number, col: number): number | null {
    if (!reduced || !grid) return null;
    const r = Math.min(reduced.height - 1, Math.floor(((row + 0.5) * reduced.height) / grid[0]));
    const c = Math.min(reduced.width - 1, Math.floor(((col + 0.5) * reduced.width) / grid[1]));
    return reduced.values[r * reduced.width + c];
  }

  const onClick = (event: MouseEvent): void => {
    if (!grid) return;
    const pixel = eventToPixel(event, canvas, grid[0], grid[1]);
    if (pixel) choose(pixel);
  };
  const onMove = (event: MouseEvent): void => {
    const pixel = grid ? eventToPixel(event, canvas, grid[0], grid[1]) : null;
    if (!pixel) {
      readout.textContent = "";
      return;
    }
    const value = attributionAt(pixel[0], pixel[1]);
    readout.textContent = `row ${pixel[0]}, col ${pixel[1]}` + (value === null ? "" : `: ${formatValue(value)}`);
  };
  const onLeave = (): void => {
    readout.textContent = "";
  };
  const steps: Record<string, Pixel> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  const onKey = (event: KeyboardEvent): void => {
    const step = steps[event.key];
    if (!step || !grid) return;
    event.preventDefault();
    const [height, width] = grid;
    const current = asPixel(model.get("clicked_pixel")) ?? [Math.floor(height / 2), Math.floor(width / 2)];
    const clamp = (v: number, n: number): number => Math.min(n - 1, Math.max(0, v));
    choose([clamp(current[0] + step[0], height), clamp(current[1] + step[1], width)]);
  };
  canvas.addEventListener("click", onClick);
  canvas.addEventListener("mousemove", onMove);
  canvas.addEventListener("mouseleave", onLeave);
  canvas.addEventListener("keydown", onKey);

  // Which cached stages each trait makes stale.
  const invalidates: Record<string, () => void> = {
    image: () => (image = undefined),
    image_dtype: () => (image = undefined),
    image_shape: () => (image = undefined),
    attribution: () => (attribution = reduced = normalized = heat = undefined),
    attribution_dtype: () => (attribution = reduced = normalized = heat = undefined),
    attribution_shape: () => (attribution = reduced = normalized = heat = undefined),
    reduction: () => (reduced = normalized = heat = undefined),
    sign: () => (normalized = heat = undefined),
    clip_percentile: () => (normalized = heat = undefined),
    colormap: () => (heat = undefined),
    mask: () => (edges = undefined),
    mask_shape: () => (edges = undefined),
    opacity: () => undefined,
    clicked_pixel: () => undefined,
    display_size: () => undefined,
    status: () => undefined,
    error: () => undefined,
    elapsed_ms: () => undefined,
  };
  const handlers = Object.entries(invalidates).map(([trait, invalidate]) => {
    const handler = (): void => {
      invalidate();
      schedule();
    };
    model.on(`change:${trait}`, handler);
    return [`change:${trait}`, handler] as const;
  });

  draw();

  return () => {
    if (frame !== 0) cancelAnimationFrame(frame);
    for (const [event, handler] of handlers) model.off(event as `change:${keyof HeatmapTraits & string}`, handler);
    canvas.removeEventListener("click", onClick);
    canvas.removeEventListener("mousemove", onMove);
    canvas.removeEventListener("keydown", onKey);
    canvas.removeEventListener("mouseleave", onLeave);
    root.remove();
  };
}
