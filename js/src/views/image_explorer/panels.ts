/**
 * The explorer's tiles, each a heatmap tile under a title: the input image (where edits are
 * drawn), then one panel per enabled method with its colorbar, status line and hover readout.
 */
import { Colorbar } from "../../components/colorbar";
import { HeatmapTile, type BaseImage } from "../../components/heatmap_tile";
import type { DisplaySettings } from "../../lib/display";
import { element, setText } from "../../lib/dom";
import type { EditPreview } from "../../lib/edits";
import { formatValue } from "../../lib/format";
import type { Pixel } from "../../lib/hittest";
import { tileSize } from "../../lib/layout";
import { DELTA_TOOLTIP, panelCaption, panelStatusLine, type PanelStatusLine } from "./state";
import type { PanelEntry } from "./traits";

const COLORBAR_WIDTH = 128;
const MIN_TILE_WIDTH = 128;

/** What every tile shows this frame besides its own map. */
export interface TileFrame {
  image: BaseImage;
  display: DisplaySettings;
  displaySize: number;
  pixel: unknown;
  /** The explorer's `target_label` ("circle (predicted, p=0.93)"), for panels whose entry names no class. */
  targetLabel?: string;
  /** The mask array trait when its outline is shown, else null. */
  mask: unknown;
  preview: EditPreview | null;
  previewKey: string;
}

/** A titled canvas in the explorer's grid. */
export class Tile {
  readonly root: HTMLDivElement;
  readonly title: HTMLDivElement;
  /** Under the title: for a method panel, the class explained and the units (empty on the input tile). */
  readonly caption: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  readonly heatmap: HeatmapTile;

  constructor(parent: HTMLElement, className: string, titleText: string, canvasClass: string, label: string) {
    this.root = element("div", `xw-tile ${className}`, parent);
    this.title = element("div", "xw-tile-title", this.root);
    this.title.textContent = titleText;
    this.caption = element("div", "xw-tile-caption", this.root);
    this.canvas = element("canvas", `xw-tile-canvas ${canvasClass}`, element("div", "xw-stage", this.root));
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", label);
    this.heatmap = new HeatmapTile(this.canvas, tileSize, true);
  }

  /** The grid (image rows, columns) the canvas shows, null when it shows nothing. */
  get grid(): [number, number] | null {
    return this.heatmap.grid;
  }

  protected show(values: unknown, name: string, signed: boolean, frame: TileFrame): void {
    this.heatmap.update({ ...frame, values, name, signed });
    if (!this.heatmap.grid) return;
    // The tile is as wide as its canvas, so long status lines wrap instead of widening it.
    const width = `${Math.max(this.heatmap.pixels.cssWidth, MIN_TILE_WIDTH)}px`;
    if (this.root.style.width !== width) this.root.style.width = width;
  }
}

/** The first tile: the image as the model sees it now, where edits are drawn. */
export class InputTile extends Tile {
  constructor(parent: HTMLElement) {
    super(parent, "xw-input-tile", "input", "xw-input-canvas", "Input image; click to choose a pixel, drag to edit");
    this.root.dataset.tile = "input";
  }

  update(edited: boolean, frame: TileFrame): void {
    setText(this.title, edited ? "input (edited)" : "input");
    this.show(null, "image", true, frame);
  }
}

/** One method's attribution over the image, with its colorbar, status and hover readout. */
export class MethodPanel extends Tile {
  readonly colorbar: Colorbar;
  readonly status: HTMLDivElement;
  readonly readout: HTMLDivElement;

  constructor(
    parent: HTMLElement,
    readonly method: string,
  ) {
    super(parent, "xw-panel", method, "xw-panel-canvas", `Attribution by ${method}; click or use the arrow keys to choose a pixel`);
    this.root.dataset.method = method;
    this.colorbar = new Colorbar(this.root, COLORBAR_WIDTH);
    this.status = element("div", "xw-panel-status", this.root);
    this.readout = element("div", "xw-panel-readout", this.root);
  }

  update(entry: PanelEntry | undefined, frame: TileFrame): void {
    // A map shows where an edit goes, not how it fills: that preview belongs to the input tile.
    const preview = frame.preview?.fill ? { ...frame.preview, fill: undefined } : frame.preview;
    this.show(entry?.values, this.method, entry?.signed ?? true, { ...frame, preview });
    const problem = this.heatmap.problem;
    const line: PanelStatusLine = problem === null ? panelStatusLine(entry) : { status: "error", text: problem };
    this.root.dataset.status = line.status;
    // While a new map is computed the last one stays, dimmed (CSS), so it is not taken for the answer.
    this.root.dataset.stale = String(line.status === "computing" && this.heatmap.legend() !== null);
    this.status.dataset.status = line.status;
    setText(this.status, line.text);
    const hasDelta = line.status === "idle" && typeof entry?.delta === "number";
    this.status.title = hasDelta ? DELTA_TOOLTIP : "";
    this.status.dataset.delta = String(hasDelta);
    setText(this.caption, panelCaption(entry, frame.targetLabel ?? ""));
    this.colorbar.update(this.heatmap.legend());
  }

  showReadout(pixel: Pixel | null): void {
    const value = pixel ? this.heatmap.valueAt(pixel) : null;
    setText(this.readout, pixel ? `(${pixel[0]}, ${pixel[1]})` + (value === null ? "" : `: ${formatValue(value)}`) : "");
  }
}

/** The method panels in `enabled_methods` order: added, removed and reordered as the list changes. */
export class PanelGrid {
  readonly panels = new Map<string, MethodPanel>();
  private order: string[] = [];

  constructor(
    private readonly grid: HTMLElement,
    private readonly added: (panel: MethodPanel) => void,
    private readonly removed: (panel: MethodPanel) => void,
  ) {}

  reconcile(wanted: string[]): void {
    for (const [name, panel] of this.panels) {
      if (wanted.includes(name)) continue;
      this.removed(panel);
      panel.root.remove();
      this.panels.delete(name);
    }
    for (const name of wanted) {
      if (this.panels.has(name)) continue;
      const panel = new MethodPanel(this.grid, name);
      this.added(panel);
      this.panels.set(name, panel);
    }
    if (this.order.join("\n") !== wanted.join("\n")) {
      for (const name of wanted) {
        const panel = this.panels.get(name)!;
        panel.root.remove();
        this.grid.appendChild(panel.root);
      }
      this.order = wanted;
    }
  }
}
