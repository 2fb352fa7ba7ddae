/** A heatmap's colorbar: the colormap as a strip over the shown range, with its end and zero labels. */
import { isDiverging, lut } from "../lib/colormap";
import { element, setText } from "../lib/dom";
import { formatValue } from "../lib/format";
import type { Sign } from "../lib/normalize";
import { colorbarValues, paintMap } from "../lib/paint";
import type { Legend } from "./heatmap_tile";

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
    this.root.hidden = true;
  }

  /** Show `legend` (hidden when null); redraws only when its key changed. */
  update(legend: Legend | null): void {
    const key = legend ? legend.key : "";
    if (key === this.key) return;
    this.key = key;
    this.root.hidden = legend === null;
    if (!legend) return;
    const { normalized, colormap } = legend;
    const strip = paintMap(
      { values: colorbarValues(normalized.sign, this.width), height: 1, width: this.width, sign: normalized.sign, scale: 1 },
      lut(colormap),
      isDiverging(colormap),
    );
    const ctx = this.canvas.getContext("2d");
    if (ctx) {
      const pixels = new ImageData(this.width, 1);
      pixels.data.set(strip.data);
      ctx.putImageData(pixels, 0, 0);
    }
    legendLabels(normalized.sign, normalized.scale).forEach((text, i) => setText(this.labels[i], text));
    this.root.title = `${colormap}; ${normalized.sign} values, scaled by ${formatValue(normalized.scale)}`;
  }
}
