/**
 * HeatmapView: an attribution painted over its input image (or alone, at full strength, when
 * there is no image) in the chosen display mode, under a title (method, target class) and the
 * units of its values, with the display controls (mode, colormap, sign, clipping, opacity,
 * channels); a click or the arrow keys
 * write the chosen cell back to `clicked_pixel`.
 *
 * DOM: .xw-heatmap[data-disconnected] > .xw-disconnected-banner, .xw-heatmap-title, .xw-heatmap-units,
 *      .xw-display-controls, .xw-stage canvas.xw-canvas[data-mode], .xw-colorbar[data-mode], .xw-readout, .xw-status, .xw-message
 */
import type { AnyModel } from "@anywidget/types";
import { Colorbar } from "../../components/colorbar";
import { ConnectionBanner } from "../../components/connection_banner";
import { DisplayControls, type DisplayControlTraits } from "../../components/display_controls";
import { HeatmapTile } from "../../components/heatmap_tile";
import { ImageLayer } from "../../components/image_layer";
import { StatusLine } from "../../components/status_line";
import { wireByteLength } from "../../lib/decode";
import { element, Listeners, setText } from "../../lib/dom";
import { formatValue } from "../../lib/format";
import { eventToPixel, type Pixel } from "../../lib/hittest";
import { displaySize } from "../../lib/layout";
import { narrowWriter, traitAccess, watchTraits } from "../../lib/model";
import { DEFAULT_CLIP_PERCENTILE } from "../../lib/normalize";
import { asPixel, stepPixel } from "../../lib/pixels";
import type { HeatmapTraits } from "./traits";

const COLORBAR_WIDTH = 256;

/** Every trait the view shows; a burst of changes is one redraw. */
const WATCHED: (keyof HeatmapTraits)[] = [
  "image",
  "attribution",
  "mask",
  "title",
  "units",
  "display_mode",
  "colormap",
  "show_mask",
  "sign",
  "clip_percentile",
  "opacity",
  "reduction",
  "display_size",
  "show_controls",
  "clicked_pixel",
  "status",
  "error",
  "elapsed_ms",
];

export function renderHeatmap({ model, el }: { model: AnyModel<HeatmapTraits>; el: HTMLElement }): () => void {
  const { read, write } = traitAccess(model);
  const listeners = new Listeners();
  const root = element("div", "xw-view xw-heatmap", el);
  const connection = new ConnectionBanner(root, el, model);
  const title = element("div", "xw-heatmap-title", root);
  const units = element("div", "xw-heatmap-units", root);
  const controls = new DisplayControls(root, listeners, narrowWriter<HeatmapTraits, DisplayControlTraits>(write));
  const canvas = element("canvas", "xw-canvas", element("div", "xw-stage", root));
  canvas.tabIndex = 0;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", "Attribution heatmap; click or use the arrow keys to choose a pixel");
  const tile = new HeatmapTile(canvas, displaySize, false);
  const colorbar = new Colorbar(root, COLORBAR_WIDTH);
  const readout = element("div", "xw-readout", root);
  const status = new StatusLine(root);
  const message = element("div", "xw-message", root);
  const image = new ImageLayer("image");
  let frame = 0;

  function draw(): void {
    frame = 0;
    status.update(read("status"), read("error"), read("elapsed_ms"));
    const titleText = read("title") ?? "";
    setText(title, titleText);
    title.hidden = !titleText;
    const unitsText = read("units") ?? "";
    setText(units, unitsText ? `values: ${unitsText}` : "");
    units.hidden = !unitsText;
    const hasMask = wireByteLength(read("mask")) > 0;
    controls.sync(read, hasMask);
    controls.root.hidden = read("show_controls") === false;
    const imageProblem = image.update(read("image"));
    tile.update({
      values: read("attribution"),
      name: "attribution",
      signed: true,
      image: image.current,
      display: {
        colormap: read("colormap") ?? "",
        sign: read("sign") ?? "all",
        clipPercentile: read("clip_percentile") ?? DEFAULT_CLIP_PERCENTILE,
        reduction: read("reduction") ?? "sum",
        opacity: read("opacity") ?? 0.5,
        mode: read("display_mode") ?? "heat_map",
      },
      displaySize: read("display_size"),
      pixel: read("clicked_pixel"),
      mask: (read("show_mask") ?? true) ? read("mask") : null,
    });
    // Any problem hides the picture; the colorbar still describes the map when there is one.
    const problem = imageProblem ?? tile.problem ?? tile.maskProblem;
    if (problem !== null) canvas.hidden = true;
    colorbar.update(tile.legend());
    message.textContent = problem ?? (tile.grid ? "" : "Nothing to show yet.");
    message.classList[problem === null ? "remove" : "add"]("xw-error");
  }

  function schedule(): void {
    if (frame === 0) frame = requestAnimationFrame(draw);
  }

  /** The grid on show; none while a problem hides the canvas. */
  const shownGrid = (): [number, number] | null => (canvas.hidden ? null : tile.grid);
  const pixelAt = (event: MouseEvent): Pixel | null => {
    const grid = shownGrid();
    return grid ? eventToPixel(event, canvas, grid[0], grid[1]) : null;
  };
  listeners.on<MouseEvent>(canvas, "click", (event) => {
    const pixel = pixelAt(event);
    if (pixel) write("clicked_pixel", pixel);
  });
  listeners.on<MouseEvent>(canvas, "mousemove", (event) => {
    const pixel = pixelAt(event);
    const value = pixel ? tile.valueAt(pixel) : null;
    readout.textContent = pixel ? `row ${pixel[0]}, col ${pixel[1]}` + (value === null ? "" : `: ${formatValue(value)}`) : "";
  });
  listeners.on(canvas, "mouseleave", () => (readout.textContent = ""));
  listeners.on<KeyboardEvent>(canvas, "keydown", (event) => {
    const grid = shownGrid();
    const next = grid ? stepPixel(asPixel(read("clicked_pixel")), event.key, grid[0], grid[1]) : null;
    if (!next) return;
    event.preventDefault();
    write("clicked_pixel", next);
  });
  const unwatch = watchTraits(model, WATCHED, schedule);

  draw();

  return () => {
    if (frame !== 0) cancelAnimationFrame(frame);
    unwatch();
    connection.destroy();
    listeners.clear();
    root.remove();
  };
}
