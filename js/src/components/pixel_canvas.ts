/**
 * A canvas showing an RGBA image scaled up with sharp pixels, with the overlays every view
 * shares (mask outline, edit preview, crosshair); it repaints only when what it shows changed.
 */
import { drawCrosshair, drawEditPreview, drawMaskOutline, drawScaled, imageCanvas, sizeCanvas } from "../lib/draw";
import type { EditPreview } from "../lib/edits";
import { pixelInGrid } from "../lib/pixels";
import type { RGBAImage } from "../lib/paint";

/** CSS width and height for a (height, width) grid, `requested` px on the longer side when positive. */
export type Fit = (height: number, width: number, requested: number | undefined) => [number, number];

/** What is drawn on top of the pixels, with keys that say when it changed. */
export interface Overlays {
  /** The `clicked_pixel` trait: a crosshair when it is a cell of the grid. */
  pixel: unknown;
  edges: Float32Array | null;
  edgesKey: string;
  preview: EditPreview | null;
  previewKey: string;
}

export class PixelCanvas {
  /** The grid shown (rows, columns), null while the canvas shows nothing. */
  grid: [number, number] | null = null;
  /** CSS px the canvas is wide. */
  cssWidth = 0;
  /** The image at its own resolution, drawn scaled into the visible canvas. */
  private source: HTMLCanvasElement | null = null;
  private sourceKey = "";
  private frameKey = "";
  private painted = 0;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly fit: Fit,
  ) {
    canvas.dataset.painted = "0";
  }

  /** Show `image` (its identity given by `imageKey`) with `overlays`; repaint only on change. */
  show(image: RGBAImage | null, imageKey: string, displaySize: number | undefined, overlays: Overlays): void {
    if (!image) {
      this.canvas.hidden = true;
      this.grid = null;
      this.frameKey = "";
      return;
    }
    this.canvas.hidden = false;
    const { width, height } = image;
    this.grid = [height, width];
    const [cssWidth, cssHeight] = this.fit(height, width, displaySize);
    this.cssWidth = cssWidth;
    const pixel = pixelInGrid(overlays.pixel, height, width);
    const key = [imageKey, cssWidth, cssHeight, window.devicePixelRatio, pixel, overlays.edgesKey, overlays.previewKey].join("|");
    if (key === this.frameKey) return;
    sizeCanvas(this.canvas, cssWidth, cssHeight);
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    if (this.sourceKey !== imageKey || !this.source) {
      this.source = imageCanvas(image, this.source ?? undefined);
      this.sourceKey = imageKey;
    }
    drawScaled(ctx, this.source);
    if (overlays.edges) drawMaskOutline(ctx, overlays.edges, height, width);
    if (overlays.preview) drawEditPreview(ctx, overlays.preview, height, width);
    if (pixel) drawCrosshair(ctx, pixel[0], pixel[1], height, width);
    this.frameKey = key;
    this.painted++;
    this.canvas.dataset.painted = String(this.painted);
    this.canvas.dataset.paintedAt = String(performance.now());
  }
}
