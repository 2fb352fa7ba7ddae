/**
 * The image_explorer view: header, gallery, tool and display rows, and a grid of tiles (the
 * input image, then one panel per enabled method), redrawn once per animation frame from the
 * traits; pointer and key events write back only user intent.
 *
 * DOM (what browser tests select on):
 *   .xw-explorer[data-tool][data-disconnected] > .xw-disconnected-banner (shown without a live comm)
 *   .xw-explorer[data-tool]            > .xw-explorer-header > .xw-target-label, .xw-explorer-status[data-status]
 *   .xw-explorer-error (Python's error), .xw-message (front-end decoding problems)
 *   .xw-gallery[data-shown] > .xw-gallery-item[data-index][hidden: not among shown_samples][data-correct=correct|wrong|unknown](.xw-selected)
 *   .xw-toolbar[data-fill] > .xw-tool[data-tool=none|paint|erase|rectangle](.xw-active), select.xw-edit-fill,
 *                 .xw-brush-radius, .xw-brush-color, .xw-reset
 *   .xw-display-controls[data-mode] > select.xw-display-mode, select.xw-colormap, select.xw-sign, input.xw-clip, input.xw-opacity,
 *                          select.xw-reduction, input.xw-show-mask
 *   .xw-grid > .xw-tile.xw-input-tile[data-tile=input] canvas.xw-input-canvas,
 *              .xw-tile.xw-panel[data-method][data-status][data-stale] canvas.xw-panel-canvas[data-painted][data-painted-at][data-mode]
 *              (+ .xw-tile-caption (target, units), .xw-panel-status[data-status][data-delta][title],
 *               .xw-panel-readout, .xw-colorbar[data-mode] > .xw-colorbar-caption (the display mode in words))
 */
import type { AnyModel } from "@anywidget/types";
import { ConnectionBanner } from "../../components/connection_banner";
import { DisplayControls, type DisplayControlTraits } from "../../components/display_controls";
import { Gallery } from "../../components/gallery";
import { ImageLayer } from "../../components/image_layer";
import { Toolbar, type ToolbarTraits } from "../../components/toolbar";
import { wireByteLength, type NDArray } from "../../lib/decode";
import { element, Listeners, setText } from "../../lib/dom";
import { isTool } from "../../lib/edits";
import { narrowWriter, traitAccess, watchTraits } from "../../lib/model";
import { ExplorerHeader } from "./header";
import { InputTile, PanelGrid, type TileFrame } from "./panels";
import { TilePointer } from "./pointer";
import { methodNames } from "./state";
import type { ExplorerTraits } from "./traits";

/** Every trait the view shows; a burst of changes is one redraw. */
const WATCHED: (keyof ExplorerTraits)[] = [
  "samples",
  "sample_labels",
  "sample_index",
  "shown_samples",
  "image",
  "mask",
  "show_mask",
  "enabled_methods",
  "panels",
  "target_label",
  "clicked_pixel",
  "edits",
  "edit_tool",
  "edit_fill",
  "brush_radius",
  "brush_color",
  "display_mode",
  "colormap",
  "sign",
  "clip_percentile",
  "opacity",
  "reduction",
  "display_size",
  "status",
  "error",
];

function checkImage(image: NDArray): void {
  if (image.shape.length !== 3 || image.shape[2] !== 3 || !(image.data instanceof Uint8Array)) {
    throw new Error(`image: expected uint8 of shape (H, W, 3), got [${image.shape.join(", ")}].`);
  }
}

export function renderExplorer({ model, el }: { model: AnyModel<ExplorerTraits>; el: HTMLElement }): () => void {
  const { read, write } = traitAccess(model);
  const listeners = new Listeners();
  const root = element("div", "xw-view xw-explorer", el);
  const connection = new ConnectionBanner(root, el, model);
  const header = new ExplorerHeader(root);
  const message = element("div", "xw-message xw-error", root);
  const gallery = new Gallery(root, (index) => write("sample_index", index), () => read("sample_index") ?? 0);
  const toolbar = new Toolbar(root, listeners, narrowWriter<ExplorerTraits, ToolbarTraits>(write));
  const controls = new DisplayControls(root, listeners, narrowWriter<ExplorerTraits, DisplayControlTraits>(write));
  const grid = element("div", "xw-grid", root);
  const image = new ImageLayer("image", checkImage);
  const imageGrid = (): [number, number] | null => {
    const rgba = image.current.rgba;
    return rgba ? [rgba.height, rgba.width] : null;
  };
  const pointer = new TilePointer(read, write, imageGrid, schedule);
  const input = new InputTile(grid);
  const methodPanels = new PanelGrid(
    grid,
    (panel) => pointer.bind(panel, panel),
    (panel) => pointer.unbind(panel),
  );
  let frame = 0;

  function schedule(): void {
    if (frame === 0) frame = requestAnimationFrame(draw);
  }

  function draw(): void {
    frame = 0;
    header.update(read);
    const imageProblem = image.update(read("image"));
    const hasMask = wireByteLength(read("mask")) > 0;
    gallery.update(read("samples"), read("sample_labels"), read("sample_index") ?? 0, read("shown_samples") ?? []);
    toolbar.sync(read);
    controls.sync(read, hasMask);
    const tool = read("edit_tool");
    root.dataset.tool = isTool(tool) ? tool : "none";
    const tileFrame: TileFrame = {
      image: image.current,
      display: {
        colormap: read("colormap") ?? "auto",
        sign: read("sign") ?? "all",
        clipPercentile: read("clip_percentile") ?? 99.5,
        reduction: read("reduction") ?? "sum",
        opacity: read("opacity") ?? 0.7,
        mode: read("display_mode") ?? "heat_map",
      },
      displaySize: read("display_size") ?? 0,
      pixel: read("clicked_pixel"),
      targetLabel: read("target_label") ?? "",
      // The mask belongs to the image: without one there is no grid to outline it on.
      mask: (read("show_mask") ?? true) && image.current.rgba ? read("mask") : null,
      ...pointer.preview(),
    };
    const edits = read("edits");
    input.update(Array.isArray(edits) && edits.length > 0, tileFrame);
    const wanted = methodNames(read("enabled_methods"));
    methodPanels.reconcile(wanted);
    const entries = read("panels") ?? {};
    for (const name of wanted) {
      const entry = Object.prototype.hasOwnProperty.call(entries, name) ? entries[name] : undefined;
      methodPanels.panels.get(name)!.update(entry, tileFrame);
    }
    const problems = [imageProblem, input.heatmap.maskProblem].filter((problem) => problem !== null);
    setText(message, problems.join(" "));
  }

  pointer.bind(input, null);
  const unwatch = watchTraits(model, WATCHED, schedule);

  draw();

  return () => {
    if (frame !== 0) cancelAnimationFrame(frame);
    frame = 0;
    unwatch();
    pointer.destroy();
    connection.destroy();
    listeners.clear();
    gallery.destroy();
    root.remove();
  };
}
