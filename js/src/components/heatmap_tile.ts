/**
 * The heatmap tile: an attribution array decoded, reduced to one channel, normalised, then
 * composed with its image in the display mode (painted through a colormap and blended over the
 * image or its greyscale, or masking the image, or as its alpha), then drawn with the mask
 * outline, the edit preview and the crosshair. Each stage is cached by what it depends on, so a
 * change redoes only the stages after it. The HeatmapView and every explorer tile are one of these.
 */
import { isDiverging, lut } from "../lib/colormap";
import { decodeWire, type NDArray } from "../lib/decode";
import { effectiveSign, resolveColormap, validReduction, type DisplaySettings } from "../lib/display";
import {
  alphaScaled,
  greyscale,
  maskedImage,
  modeCaption,
  modeSign,
  shownMode,
  usesColormap,
  validMode,
  type DisplayMode,
} from "../lib/display_modes";
import type { EditPreview } from "../lib/edits";
import type { Pixel } from "../lib/hittest";
import { maskOutline } from "../lib/mask";
import { Memo, WireVersion } from "../lib/memo";
import { normalizeMap, reduceChannels, type Map2D, type NormalizedMap } from "../lib/normalize";
import { blend, paintMap, resizeNearest, type RGBAImage } from "../lib/paint";
import { PixelCanvas, type Fit } from "./pixel_canvas";

/** The image under the heatmap, painted once per change; `version` names that painting. */
export interface BaseImage {
  rgba: RGBAImage | null;
  version: number;
}

export const NO_IMAGE: BaseImage = { rgba: null, version: -1 };

/** What the tile shows. */
export interface HeatmapInput {
  /** An array trait's value (`{data, dtype, shape}`, (C,H,W) or (H,W)), or nothing for the image alone. */
  values: unknown;
  /** Names the array in error messages. */
  name: string;
  /** Whether the values have a meaningful sign (picks the "auto" colormap and what "all" shows). */
  signed: boolean;
  image: BaseImage;
  display: DisplaySettings;
  displaySize: number | undefined;
  /** The `clicked_pixel` trait. */
  pixel: unknown;
  /** A mask array trait (H,W, non-zero = inside) to outline, or nothing. */
  mask: unknown;
  preview?: EditPreview | null;
  previewKey?: string;
}

/** What a painted tile hands its colorbar: the normalised map, the colormap it went through and the mode. */
export interface Legend {
  normalized: NormalizedMap;
  colormap: string;
  /** The display mode shown: the colorbar is a colormap, a brightness or an opacity ramp. */
  mode: DisplayMode;
  /** What the panel shows, in words ("masked image: brightness = |value|"). */
  caption: string;
  /** Changes whenever the legend does. */
  key: string;
}

export class HeatmapTile {
  readonly pixels: PixelCanvas;
  /** Why the values could not be shown (null when they could). */
  problem: string | null = null;
  /** Why the mask could not be outlined (null when it could, or there is none). */
  maskProblem: string | null = null;
  private readonly valuesVersion = new WireVersion();
  private readonly maskVersion = new WireVersion();
  private readonly decoded = new Memo<NDArray | null>();
  private readonly reduced = new Memo<Map2D | null>();
  private readonly normalized = new Memo<NormalizedMap | null>();
  private readonly heat = new Memo<RGBAImage | null>();
  private readonly grey = new Memo<RGBAImage | null>();
  private readonly composite = new Memo<RGBAImage | null>();
  private readonly edges = new Memo<Float32Array | null>();
  private colormap = "";
  private mode: DisplayMode = "heat_map";
  private caption = "";
  /** Heat maps painted so far (tests count recomputations). */
  private computed = 0;

  /** `showImageOnError`: on malformed values show the image alone (else nothing). */
  constructor(
    readonly canvas: HTMLCanvasElement,
    fit: Fit,
    private readonly showImageOnError: boolean,
  ) {
    this.pixels = new PixelCanvas(canvas, fit);
    canvas.dataset.computed = "0";
  }

  /** The grid on the canvas (rows, columns), null while it shows nothing. */
  get grid(): [number, number] | null {
    return this.pixels.grid;
  }

  /** Run the stages that `input` made stale and repaint when the picture changed. */
  update(input: HeatmapInput): void {
    let composite: RGBAImage | null;
    let key: string;
    try {
      composite = this.compose(input);
      key = `tile${this.composite.version}`;
      this.problem = null;
    } catch (error) {
      this.problem = (error as Error).message;
      composite = this.showImageOnError ? input.image.rgba : null;
      key = `image${input.image.version}`;
    }
    const grid: [number, number] | null = composite ? [composite.height, composite.width] : null;
    const edges = this.outline(input.mask, grid);
    this.pixels.show(composite, key, input.displaySize, {
      pixel: input.pixel,
      edges,
      edgesKey: edges ? `mask${this.edges.version}` : "",
      preview: input.preview ?? null,
      previewKey: input.previewKey ?? "",
    });
  }

  /** The normalised map on show, its colormap and display mode, or null when no map is shown. */
  legend(): Legend | null {
    const normalized = this.normalized.value;
    if (this.problem !== null || !normalized) return null;
    const key = `${this.normalized.version}|${this.colormap}|${this.mode}|${this.caption}`;
    return { normalized, colormap: this.colormap, mode: this.mode, caption: this.caption, key };
  }

  /** The raw (channel-reduced) value under cell `pixel` of the grid shown, or null. */
  valueAt(pixel: Pixel): number | null {
    const reduced = this.reduced.value;
    const grid = this.grid;
    if (this.problem !== null || !reduced || !grid) return null;
    const [height, width] = grid;
    const r = Math.min(reduced.height - 1, Math.floor(((pixel[0] + 0.5) * reduced.height) / height));
    const c = Math.min(reduced.width - 1, Math.floor(((pixel[1] + 0.5) * reduced.width) / width));
    return reduced.values[r * reduced.width + c];
  }

  private compose(input: HeatmapInput): RGBAImage | null {
    const { display, signed, image } = input;
    const version = this.valuesVersion.track(input.values);
    const decoded = this.decoded.get(`${version}`, () => decodeWire(input.values, input.name));
    const reduction = validReduction(display.reduction);
    const reduced = this.reduced.get(`${this.decoded.version}|${reduction}`, () =>
      decoded ? reduceChannels(decoded, reduction) : null,
    );
    const base = image.rgba;
    const mode = shownMode(validMode(display.mode), base !== null);
    const sign = modeSign(mode, effectiveSign(display.sign, signed));
    const normalized = this.normalized.get(`${this.reduced.version}|${sign}|${display.clipPercentile}`, () =>
      reduced ? normalizeMap(reduced, sign, display.clipPercentile) : null,
    );
    const colormap = resolveColormap(display.colormap, signed);
    this.colormap = colormap;
    this.mode = mode;
    this.caption = modeCaption(validMode(display.mode), sign, base !== null);
    // The masked image and alpha scaling paint no colours, so they leave the heat map cached.
    const heat = usesColormap(mode)
      ? this.heat.get(`${this.normalized.version}|${colormap}`, () => {
          if (!normalized) return null;
          this.computed++;
          this.canvas.dataset.computed = String(this.computed);
          return paintMap(normalized, lut(colormap), isDiverging(colormap));
        })
      : null;
    this.canvas.dataset.mode = mode;
    if (!normalized) return this.composite.get(`image${image.version}`, () => base);
    // Opacity matters only where a heat map is blended over the image.
    const key = usesColormap(mode)
      ? `${mode}|${this.heat.version}|${image.version}|${display.opacity}`
      : `${mode}|${this.normalized.version}|${image.version}`;
    return this.composite.get(key, () => {
      if (!base) return heat;
      switch (mode) {
        case "masked_image":
          return maskedImage(base, normalized);
        case "alpha_scaling":
          return alphaScaled(base, normalized);
        case "blended_heat_map": {
          const grey = this.grey.get(`${image.version}`, () => greyscale(base))!;
          return blend(grey, resizeNearest(heat!, base.width, base.height), display.opacity);
        }
        default:
          return blend(base, resizeNearest(heat!, base.width, base.height), display.opacity);
      }
    });
  }

  private outline(mask: unknown, grid: [number, number] | null): Float32Array | null {
    const version = this.maskVersion.track(mask);
    try {
      const edges = this.edges.get(`${version}|${grid}`, () => maskOutline(mask, grid));
      this.maskProblem = null;
      return edges;
    } catch (error) {
      this.maskProblem = (error as Error).message;
      return null;
    }
  }
}
