/**
 * A heatmap's colorbar: what a colour (or, in the masked image and alpha scaling modes, a
 * brightness or an opacity) means, as a strip over the shown range with its end and zero
 * labels, and the display mode in words under it.
 */
import { isDiverging, lut } from "../lib/colormap";
import { usesColormap } from "../lib/display_modes";
import { element, setText } from "../lib/dom";
import { formatValue } from "../lib/format";
import type { Sign } from "../lib/normalize";
import { colorbarValues, paintMap, type RGBAImage } from "../lib/paint";
import type { Legend } from "./heatmap_tile";

/** The ink of the alpha-scaling strip: how an opaque pixel of the image would look on its own. */
const ALPHA_INK = [48, 48, 48] as const;

/**
 * The strip's pixels (width x 1): the colormap in the heat-map modes; black to white in the
 * masked image (the fraction of the image's brightness kept); an ink from transparent to opaque
 * in alpha scaling (the CSS puts a checkerboard behind it).
 */
export function legendStrip(legend: Pick<Legend, "normalized" | "colormap" | "mode">, width: number): RGBAImage {
  const { normalized, mode } = legend;
  const values = colorbarValues(normalized.sign, width);
  const ramp = { values, height: 1, width, sign: normalized.sign, scale: 1 };
  if (usesColormap(mode)) return paintMap(ramp, lut(legend.colormap), isDiverging(legend.colormap));
  if (mode === "masked_image") return paintMap(ramp, lut("gray"), false);
  const data = new Uint8ClampedArray(width * 4);
  for (let i = 0; i < width; i++) {
    data.set(ALPHA_INK, 4 * i);
    data[4 * i + 3] = Math.abs(values[i]) * 255;
  }
  return { data, width, height: 1 };
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

export class Colorbar {
  readonly root: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly labels: HTMLSpanElement[];
  private readonly caption: HTMLDivElement;
  private key = "";

  /** `width`: pixels in the strip. */
  constructor(
    parent: HTMLElement,
    private readonly width: number,
  ) {
    this.root = element("div", "xw-colorbar", parent);
    this.canvas = element("canvas", "xw-colorbar-canvas", this.root);
    this.canvas.width = width;
    this.canvas.height = 1;
    const labelRow = element("div", "xw-colorbar-labels", this.root);
    this.labels = [element("span", "", labelRow), element("span", "", labelRow), element("span", "", labelRow)];
    this.caption = element("div", "xw-colorbar-caption", this.root);
    this.root.hidden = true;
  }

  /** Show `legend` (hidden when null); redraws only when its key changed. */
  update(legend: Legend | null): void {
    const key = legend ? legend.key : "";
    if (key === this.key) return;
    this.key = key;
    this.root.hidden = legend === null;
    if (!legend) return;
    const { normalized, colormap, mode } = legend;
    const strip = legendStrip(legend, this.width);
    const ctx = this.canvas.getContext("2d");
    if (ctx) {
      const pixels = new ImageData(this.width, 1);
      pixels.data.set(strip.data);
      ctx.clearRect(0, 0, this.width, 1);
      ctx.putImageData(pixels, 0, 0);
    }
    this.root.dataset.mode = mode;
    legendLabels(normalized.sign, normalized.scale).forEach((text, i) => setText(this.labels[i], text));
    setText(this.caption, legend.caption);
    const ink = usesColormap(mode) ? colormap : mode === "masked_image" ? "brightness" : "opacity";
    this.root.title = `${legend.caption}; ${ink} of ${normalized.sign} values, scaled by ${formatValue(normalized.scale)}`;
  }
}
