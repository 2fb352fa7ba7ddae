/**
 * The explorer's tiles: the input image and one panel per method. Each keeps its pipeline
 * (decode, reduce, normalize, colour, blend) cached by its inputs and repaints its canvas only
 * when something it shows changed; the crosshair, mask and edit preview are drawn on top.
 */
import { isDiverging, lut } from "../colormap";
import type { NDArray } from "../decode";
import { drawCrosshair, drawMaskOutline, sizeCanvas } from "../draw";
import { decodeTrait, formatValue } from "../heatmap";
import type { Pixel } from "../hittest";
import { normalizeMap, reduceChannels, type Map2D, type NormalizedMap } from "../normalize";
import { blend, colorbarValues, paintMap, resizeNearest, type RGBAImage } from "../paint";
import { element, Memo, setText } from "./dom";
import type { Preview } from "./editing";
import {
  effectiveSign,
  legendLabels,
  panelStatusLine,
  pixelInGrid,
  resolveColormap,
  tileSize,
  validReduction,
  type PanelEntry,
  type PanelStatus,
} from "./state";

const COLORBAR_WIDTH = 128;
const MIN_TILE_WIDTH = 128;

/** What every tile draws on top of its pixels, with keys that say when it changed. */
export interface TileView {
  displaySize: number;
  clickedPixel: unknown;
  edges: Float32Array | null;
  edgesKey: string;
  preview: Preview | null;
  previewKey: string;
}

/** The selected image, decoded and painted once per change. */
export interface ImageInput {
  rgba: RGBAImage | null;
  version: number;
}

function drawPreview(ctx: CanvasRenderingContext2D, preview: Preview, gridHeight: number, gridWidth: number): void {
  const scaleX = ctx.canvas.width / gridWidth;
  const scaleY = ctx.canvas.height / gridHeight;
  const line = Math.max(1, Math.round(window.devicePixelRatio || 1));
  ctx.save();
  if (preview.kind === "rect") {
    const [r0, c0, r1, c1] = preview.rect;
    const box = [c0 * scaleX, r0 * scaleY, (c1 + 1 - c0) * scaleX, (r1 + 1 - r0) * scaleY] as const;
    ctx.lineWidth = 3 * line;
    ctx.strokeStyle = "rgba(0, 0, 0, 0.75)";
    ctx.strokeRect(...box);
    ctx.lineWidth = line;
    ctx.strokeStyle = "rgba(255, 255, 255, 0.95)";
    ctx.setLineDash([4 * line, 3 * line]);
    ctx.strokeRect(...box);
  } else if (preview.points.length > 0) {
    const [r, g, b] = preview.colour.map((v) => Math.round(v * 255));
    ctx.strokeStyle = preview.tool === "paint" ? `rgba(${r}, ${g}, ${b}, 0.6)` : "rgba(0, 0, 0, 0.6)";
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

/** A titled canvas showing an RGBA composite with the shared overlays. */
export class Tile {
  readonly root: HTMLDivElement;
  readonly title: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  /** The composite at its own resolution, drawn scaled into the visible canvas. */
  private source: HTMLCanvasElement | null = null;
  private sourceKey = "";
  private frameKey = "";
  private painted = 0;
  /** The grid the canvas shows (image rows, columns), null when it shows nothing. */
  grid: [number, number] | null = null;

  constructor(parent: HTMLElement, className: string, titleText: string, canvasClass: string, label: string) {
    this.root = element("div", `xw-tile ${className}`, parent);
    this.title = element("div", "xw-tile-title", this.root);
    this.title.textContent = titleText;
    const stage = element("div", "xw-stage", this.root);
    this.canvas = element("canvas", `xw-tile-canvas ${canvasClass}`, stage);
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", label);
    this.canvas.dataset.painted = "0";
  }

  /** Show `composite` (its identity given by `compositeKey`) with the overlays; repaint only on change. */
  protected paint(composite: RGBAImage | null, compositeKey: string, view: TileView): void {
    if (!composite) {
      this.canvas.hidden = true;
      this.grid = null;
      this.frameKey = "";
      return;
    }
    this.canvas.hidden = false;
    const { width, height } = composite;
    this.grid = [height, width];
    const [cssWidth, cssHeight] = tileSize(height, width, view.displaySize);
    const pixel = pixelInGrid(view.clickedPixel, height, width);
    const key = [compositeKey, cssWidth, cssHeight, window.devicePixelRatio, pixel, view.edgesKey, view.previewKey].join("|");
    if (key === this.frameKey) return;
    sizeCanvas(this.canvas, cssWidth, cssHeight);
    // The tile is as wide as its canvas, so long status lines wrap instead of widening it.
    this.root.style.width = `${Math.max(cssWidth, MIN_TILE_WIDTH)}px`;
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    const source = this.sourceFor(composite, compositeKey);
    ctx.save();
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.drawImage(source, 0, 0, this.canvas.width, this.canvas.height);
    ctx.restore();
    if (view.edges) drawMaskOutline(ctx, view.edges, height, width);
    if (view.preview) drawPreview(ctx, view.preview, height, width);
    if (pixel) drawCrosshair(ctx, pixel[0], pixel[1], height, width);
    this.frameKey = key;
    this.painted++;
    this.canvas.dataset.painted = String(this.painted);
    this.canvas.dataset.paintedAt = String(performance.now());
  }

  private sourceFor(composite: RGBAImage, compositeKey: string): HTMLCanvasElement {
    if (!this.source) this.source = document.createElement("canvas");
    if (this.sourceKey !== compositeKey) {
      this.source.width = composite.width;
      this.source.height = composite.height;
      const pixels = new ImageData(composite.width, composite.height);
      pixels.data.set(composite.data);
      this.source.getContext("2d")?.putImageData(pixels, 0, 0);
      this.sourceKey = compositeKey;
    }
    return this.source;
  }
}

/** The first tile: the image as the model sees it now, where edits are drawn. */
export class InputTile extends Tile {
  constructor(parent: HTMLElement) {
    super(parent, "xw-input-tile", "input", "xw-input-canvas", "Input image; click to choose a pixel, drag to edit");
    this.root.dataset.tile = "input";
  }

  update(image: ImageInput, edited: boolean, view: TileView): void {
    setText(this.title, edited ? "input (edited)" : "input");
    this.paint(image.rgba, `image${image.version}`, view);
  }
}

/** The display settings every panel applies (traits, applied in JS only). */
export interface DisplaySettings {
  colormap: string;
  sign: string;
  clipPercentile: number;
  reduction: string;
  opacity: number;
}

/** Uint8 view of a bytes value, to compare results that arrive as new objects. */
function byteView(value: unknown): Uint8Array | null {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return null;
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === b) return true;
  if (!a || !b || a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One method's attribution over the image, with its colorbar, status and hover readout. */
export class MethodPanel extends Tile {
  readonly colorbar: HTMLDivElement;
  private readonly colorbarCanvas: HTMLCanvasElement;
  private readonly labels: HTMLSpanElement[];
  readonly status: HTMLDivElement;
  readonly readout: HTMLDivElement;

  // Python resends the whole `panels` dict when one method finishes; unchanged bytes keep their version.
  private valuesRef: unknown = undefined;
  private valuesBytes: Uint8Array | null = null;
  private valuesVersion = 0;
  private readonly decoded = new Memo<NDArray | null>();
  private readonly reduced = new Memo<Map2D | null>();
  private readonly normalized = new Memo<NormalizedMap | null>();
  private readonly heat = new Memo<RGBAImage | null>();
  private readonly composite = new Memo<RGBAImage | null>();
  private colorbarKey = "";
  private colormapName = "";
  private computed = 0;

  constructor(
    parent: HTMLElement,
    readonly method: string,
  ) {
    super(parent, "xw-panel", method, "xw-panel-canvas", `Attribution by ${method}; click or use the arrow keys to choose a pixel`);
    this.root.dataset.method = method;
    this.colorbar = element("div", "xw-colorbar", this.root);
    this.colorbarCanvas = element("canvas", "xw-colorbar-canvas", this.colorbar);
    this.colorbarCanvas.width = COLORBAR_WIDTH;
    this.colorbarCanvas.height = 1;
    const labelRow = element("div", "xw-colorbar-labels", this.colorbar);
    this.labels = [element("span", "", labelRow), element("span", "", labelRow), element("span", "", labelRow)];
    this.colorbar.hidden = true;
    this.status = element("div", "xw-panel-status", this.root);
    this.readout = element("div", "xw-panel-readout", this.root);
    this.canvas.dataset.computed = "0";
  }

  update(entry: PanelEntry | undefined, image: ImageInput, display: DisplaySettings, view: TileView): void {
    let problem: string | null = null;
    let composite: RGBAImage | null;
    try {
      composite = this.compute(entry, image, display);
    } catch (error) {
      problem = (error as Error).message;
      composite = image.rgba;
    }
    const line = problem === null ? panelStatusLine(entry) : { status: "error" as PanelStatus, text: problem };
    this.root.dataset.status = line.status;
    this.status.dataset.status = line.status;
    setText(this.status, line.text);
    this.drawColorbar(problem === null ? this.normalized.value ?? null : null);
    const key = problem === null ? `panel${this.composite.version}` : `image${image.version}`;
    this.paint(composite, key, view);
  }

  private compute(entry: PanelEntry | undefined, image: ImageInput, display: DisplaySettings): RGBAImage | null {
    this.trackValues(entry?.values);
    const shape = Array.isArray(entry?.shape) ? entry!.shape : [];
    const signed = entry?.signed ?? true;
    const decoded = this.decoded.get(`${this.valuesVersion}|${entry?.dtype}|${shape.join(",")}`, () =>
      decodeTrait(entry?.values, entry?.dtype ?? "float16", shape, this.method),
    );
    const reduction = validReduction(display.reduction);
    const reduced = this.reduced.get(`${this.decoded.version}|${reduction}`, () =>
      decoded ? reduceChannels(decoded, reduction) : null,
    );
    const sign = effectiveSign(display.sign, signed);
    const normalized = this.normalized.get(`${this.reduced.version}|${sign}|${display.clipPercentile}`, () =>
      reduced ? normalizeMap(reduced, sign, display.clipPercentile) : null,
    );
    const colormap = resolveColormap(display.colormap, signed);
    const heat = this.heat.get(`${this.normalized.version}|${colormap}`, () => {
      this.colormapName = colormap;
      if (!normalized) return null;
      this.computed++;
      this.canvas.dataset.computed = String(this.computed);
      return paintMap(normalized, lut(colormap), isDiverging(colormap));
    });
    return this.composite.get(`${this.heat.version}|${image.version}|${display.opacity}`, () => {
      const base = image.rgba;
      if (!heat) return base;
      if (!base) return heat;
      return blend(base, resizeNearest(heat, base.width, base.height), display.opacity);
    });
  }

  private trackValues(values: unknown): void {
    if (values === this.valuesRef) return;
    this.valuesRef = values;
    const bytes = byteView(values);
    if (!sameBytes(this.valuesBytes, bytes)) this.valuesVersion++;
    this.valuesBytes = bytes;
  }

  private drawColorbar(normalized: NormalizedMap | null): void {
    const key = normalized ? `${this.heat.version}` : "";
    if (key === this.colorbarKey) return;
    this.colorbarKey = key;
    this.colorbar.hidden = normalized === null;
    if (!normalized) return;
    const name = this.colormapName;
    const strip = paintMap(
      { values: colorbarValues(normalized.sign, COLORBAR_WIDTH), height: 1, width: COLORBAR_WIDTH, sign: normalized.sign, scale: 1 },
      lut(name),
      isDiverging(name),
    );
    const ctx = this.colorbarCanvas.getContext("2d");
    if (ctx) {
      const pixels = new ImageData(COLORBAR_WIDTH, 1);
      pixels.data.set(strip.data);
      ctx.putImageData(pixels, 0, 0);
    }
    legendLabels(normalized.sign, normalized.scale).forEach((text, i) => setText(this.labels[i], text));
    this.colorbar.title = `${name}; ${normalized.sign} values, scaled by ${formatValue(normalized.scale)}`;
  }

  /** The raw (channel-reduced) attribution under image cell (row, col), or null. */
  valueAt(pixel: Pixel): number | null {
    const reduced = this.reduced.value;
    if (!reduced || !this.grid) return null;
    const [height, width] = this.grid;
    const r = Math.min(reduced.height - 1, Math.floor(((pixel[0] + 0.5) * reduced.height) / height));
    const c = Math.min(reduced.width - 1, Math.floor(((pixel[1] + 0.5) * reduced.width) / width));
    return reduced.values[r * reduced.width + c];
  }

  showReadout(pixel: Pixel | null): void {
    if (!pixel) {
      setText(this.readout, "");
      return;
    }
    const value = this.valueAt(pixel);
    setText(this.readout, `(${pixel[0]}, ${pixel[1]})` + (value === null ? "" : `: ${formatValue(value)}`));
  }
}
