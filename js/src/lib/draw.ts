/**
 * Thin canvas drawing on top of paint.ts: RGBA pixels scaled up nearest-neighbour, a
 * crosshair on a cell, a mask outline and an edit's preview, in the canvas's backing-store pixels.
 */
import type { EditFill, EditPreview } from "./edits";
import { pixelCentre } from "./hittest";
import type { RGBAImage } from "./paint";

/** Size a canvas to `cssWidth` CSS px wide with a backing store at the screen's resolution. */
export function sizeCanvas(canvas: HTMLCanvasElement, cssWidth: number, cssHeight: number): void {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(cssWidth * ratio));
  const height = Math.max(1, Math.round(cssHeight * ratio));
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  canvas.style.width = `${cssWidth}px`;
}

/** An RGBA image as a canvas of its own size, to be drawn scaled; `into` is reused when given. */
export function imageCanvas(image: RGBAImage, into?: HTMLCanvasElement): HTMLCanvasElement {
  const source = into ?? document.createElement("canvas");
  source.width = image.width;
  source.height = image.height;
  const pixels = new ImageData(image.width, image.height);
  pixels.data.set(image.data);
  source.getContext("2d")?.putImageData(pixels, 0, 0);
  return source;
}

/** Fill the whole canvas with `source`, each source pixel a sharp block. */
export function drawScaled(ctx: CanvasRenderingContext2D, source: CanvasImageSource): void {
  const { width, height } = ctx.canvas;
  ctx.save();
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, width, height);
  ctx.drawImage(source, 0, 0, width, height);
  ctx.restore();
}

/** Lines through the centre of cell (row, col) of a (gridHeight, gridWidth) grid, and a box round it. */
export function drawCrosshair(
  ctx: CanvasRenderingContext2D,
  row: number,
  col: number,
  gridHeight: number,
  gridWidth: number,
): void {
  const { width, height } = ctx.canvas;
  const rect = { left: 0, top: 0, width, height };
  const { x, y } = pixelCentre(row, col, rect, gridHeight, gridWidth);
  const cellWidth = width / gridWidth;
  const cellHeight = height / gridHeight;
  const line = Math.max(1, Math.round(window.devicePixelRatio || 1));
  ctx.save();
  // A dark line under a light one stays visible on any colour.
  for (const [colour, thickness] of [
    ["rgba(0, 0, 0, 0.75)", 3 * line],
    ["rgba(255, 255, 255, 0.95)", line],
  ] as const) {
    ctx.strokeStyle = colour;
    ctx.lineWidth = thickness;
    ctx.beginPath();
    ctx.moveTo(x, 0);
    ctx.lineTo(x, height);
    ctx.moveTo(0, y);
    ctx.lineTo(width, y);
    if (cellWidth >= 4 && cellHeight >= 4) {
      ctx.rect(x - cellWidth / 2, y - cellHeight / 2, cellWidth, cellHeight);
    }
    ctx.stroke();
  }
  ctx.restore();
}

/** Stroke mask edges from paint.maskEdges (grid units) scaled to the canvas. */
export function drawMaskOutline(
  ctx: CanvasRenderingContext2D,
  segments: Float32Array,
  gridHeight: number,
  gridWidth: number,
  colour = "rgba(0, 255, 255, 0.95)",
): void {
  if (segments.length === 0) return;
  const scaleX = ctx.canvas.width / gridWidth;
  const scaleY = ctx.canvas.height / gridHeight;
  ctx.save();
  ctx.strokeStyle = colour;
  ctx.lineWidth = Math.max(1, Math.round(window.devicePixelRatio || 1));
  ctx.beginPath();
  for (let i = 0; i < segments.length; i += 4) {
    ctx.moveTo(segments[i] * scaleX, segments[i + 1] * scaleY);
    ctx.lineTo(segments[i + 2] * scaleX, segments[i + 3] * scaleY);
  }
  ctx.stroke();
  ctx.restore();
}

/** The kernel's blur for the "blur" fill: sigma is 1/8 of the image's shorter side (at least one pixel). */
export function blurSigma(gridHeight: number, gridWidth: number): number {
  return Math.max(1, Math.min(gridHeight, gridWidth) / 8);
}

/**
 * How an erase or a box with `fill` looks over what the canvas shows now: black, the mean colour
 * of the canvas, or a blurred copy of it (as a pattern aligned with the canvas).
 */
function fillStyle(ctx: CanvasRenderingContext2D, fill: EditFill, gridHeight: number, gridWidth: number): string | CanvasPattern | null {
  const { width, height } = ctx.canvas;
  if (fill === "black") return "rgb(0, 0, 0)";
  if (fill === "mean") {
    const data = ctx.getImageData?.(0, 0, width, height)?.data;
    if (!data || data.length === 0) return null;
    const sum = [0, 0, 0];
    for (let i = 0; i < data.length; i += 4) for (let k = 0; k < 3; k++) sum[k] += data[i + k];
    const [r, g, b] = sum.map((v) => Math.round(v / (data.length / 4)));
    return `rgb(${r}, ${g}, ${b})`;
  }
  const blurred = document.createElement("canvas");
  blurred.width = width;
  blurred.height = height;
  const bctx = blurred.getContext("2d");
  if (!bctx) return null;
  bctx.filter = `blur(${blurSigma(gridHeight, gridWidth) * Math.min(width / gridWidth, height / gridHeight)}px)`;
  bctx.drawImage(ctx.canvas, 0, 0);
  return ctx.createPattern(blurred, "no-repeat");
}

/**
 * A drag in progress over a (gridHeight, gridWidth) grid: the stroke in its colour, or a dashed
 * box; with a fill, the erased stroke or the box shows it, and the box says its name.
 */
export function drawEditPreview(ctx: CanvasRenderingContext2D, preview: EditPreview, gridHeight: number, gridWidth: number): void {
  const scaleX = ctx.canvas.width / gridWidth;
  const scaleY = ctx.canvas.height / gridHeight;
  const line = Math.max(1, Math.round(window.devicePixelRatio || 1));
  const fill = preview.fill && (preview.kind === "rect" || preview.tool === "erase") ? preview.fill : null;
  const style = fill ? fillStyle(ctx, fill, gridHeight, gridWidth) : null;
  ctx.save();
  if (preview.kind === "rect") {
    const [r0, c0, r1, c1] = preview.rect;
    const box = [c0 * scaleX, r0 * scaleY, (c1 + 1 - c0) * scaleX, (r1 + 1 - r0) * scaleY] as const;
    if (style) {
      ctx.fillStyle = style;
      ctx.fillRect(...box);
    }
    if (fill) {
      ctx.font = `${11 * line}px sans-serif`;
      ctx.textBaseline = "top";
      ctx.lineWidth = 3 * line;
      ctx.strokeStyle = "rgba(0, 0, 0, 0.8)";
      ctx.strokeText(fill, box[0] + 3 * line, box[1] + 3 * line);
      ctx.fillStyle = "rgb(255, 255, 255)";
      ctx.fillText(fill, box[0] + 3 * line, box[1] + 3 * line);
    }
    ctx.lineWidth = 3 * line;
    ctx.strokeStyle = "rgba(0, 0, 0, 0.75)";
    ctx.strokeRect(...box);
    ctx.lineWidth = line;
    ctx.strokeStyle = "rgba(255, 255, 255, 0.95)";
    ctx.setLineDash([4 * line, 3 * line]);
    ctx.strokeRect(...box);
  } else if (preview.points.length > 0) {
    const [r, g, b] = preview.colour.map((v) => Math.round(v * 255));
    ctx.strokeStyle = preview.tool === "paint" ? `rgba(${r}, ${g}, ${b}, 0.6)` : (style ?? "rgba(0, 0, 0, 0.6)");
    ctx.lineWidth = (2 * preview.radius + 1) * Math.min(scaleX, scaleY);
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    const [first, ...rest] = preview.points;
    ctx.moveTo((first[1] + 0.5) * scaleX, (first[0] + 0.5) * scaleY);
    // A lone point still needs a segment for its round cap to show.
    for (const [row, col] of rest.length > 0 ? rest : [first]) ctx.lineTo((col + 0.5) * scaleX, (row + 0.5) * scaleY);
    ctx.stroke();
  }
  ctx.restore();
}
