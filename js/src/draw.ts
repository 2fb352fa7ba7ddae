/**
 * Thin canvas drawing on top of paint.ts: RGBA pixels scaled up nearest-neighbour, a
 * crosshair on a cell and a mask outline, all in the canvas's backing-store pixels.
 */
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

/** Fill the whole canvas with `image`, each data pixel a sharp block. */
export function drawPixels(ctx: CanvasRenderingContext2D, image: RGBAImage): void {
  const source = document.createElement("canvas");
  source.width = image.width;
  source.height = image.height;
  const sourceCtx = source.getContext("2d");
  if (!sourceCtx) throw new Error("This browser gave no 2D canvas context.");
  const pixels = new ImageData(image.width, image.height);
  pixels.data.set(image.data);
  sourceCtx.putImageData(pixels, 0, 0);
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
