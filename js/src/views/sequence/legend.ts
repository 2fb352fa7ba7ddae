/** A diverging colour bar: the strip over [-scale, +scale], its end and zero labels, and what it measures. */
import { legendLabels } from "../../components/colorbar";
import { lut } from "../../lib/colormap";
import { element, setText } from "../../lib/dom";
import { cssColour, divergingColour } from "../../lib/sequence";

const STRIP_WIDTH = 200;

export class DivergingLegend {
  readonly root: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly labels: HTMLSpanElement[];
  private readonly caption: HTMLDivElement;
  private key = "";

  constructor(parent: HTMLElement, className: string) {
    this.root = element("div", `xw-colorbar xw-seq-legend ${className}`, parent);
    this.canvas = element("canvas", "xw-colorbar-canvas", this.root);
    this.canvas.width = STRIP_WIDTH;
    this.canvas.height = 1;
    const row = element("div", "xw-colorbar-labels", this.root);
    this.labels = [element("span", "", row), element("span", "", row), element("span", "", row)];
    this.caption = element("div", "xw-colorbar-caption", this.root);
  }

  /** Show the strip of `colormap` for values over [-scale, +scale]; `caption` says what they are. */
  update(colormap: string, scale: number, caption: string): void {
    const key = JSON.stringify([colormap, scale, caption]);
    if (key === this.key) return;
    this.key = key;
    const table = lut(colormap);
    const ctx = this.canvas.getContext("2d");
    if (ctx) {
      for (let i = 0; i < STRIP_WIDTH; i++) {
        ctx.fillStyle = cssColour(divergingColour((2 * (i + 0.5)) / STRIP_WIDTH - 1, 1, table));
        ctx.fillRect(i, 0, 1, 1);
      }
    }
    legendLabels("all", scale).forEach((text, i) => setText(this.labels[i], text));
    setText(this.caption, caption);
    this.root.dataset.scale = String(scale);
    this.root.title = `${caption}; the colours span −${scale} to +${scale}, white at 0`;
  }
}
