/**
 * The image_explorer view: header, gallery, tool and display rows, and a grid of tiles (the
 * input image, then one panel per enabled method), redrawn once per animation frame from the
 * traits; pointer and key events write back only user intent.
 *
 * DOM (what browser tests select on):
 *   .xw-explorer[data-tool]            > .xw-explorer-header > .xw-target-label, .xw-explorer-status[data-status]
 *   .xw-explorer-error (Python's error), .xw-message (front-end decoding problems)
 *   .xw-gallery > .xw-gallery-item[data-index][data-correct=correct|wrong|unknown](.xw-selected)
 *   .xw-toolbar > .xw-tool[data-tool=none|paint|erase|rectangle](.xw-active), .xw-brush-radius, .xw-brush-color, .xw-reset
 *   .xw-display-controls > select.xw-colormap, select.xw-sign, input.xw-clip, input.xw-opacity,
 *                          select.xw-reduction, input.xw-show-mask
 *   .xw-grid > .xw-tile.xw-input-tile[data-tile=input] canvas.xw-input-canvas,
 *              .xw-tile.xw-panel[data-method][data-status] canvas.xw-panel-canvas[data-painted][data-painted-at]
 *              (+ .xw-panel-status[data-status], .xw-panel-readout, .xw-colorbar)
 */
import type { AnyModel } from "@anywidget/types";
import { decodeTrait } from "../heatmap";
import { eventToPixel, type Pixel } from "../hittest";
import { maskEdges, paintImage, type RGBAImage } from "../paint";
import { DisplayControls, Toolbar, type ReadTrait, type WriteTrait } from "./controls";
import { element, Listeners, Memo, setText } from "./dom";
import { appendEdit, clampedPixel, clampRadius, EditGesture, replaceEdit, Throttle, type RGB } from "./editing";
import { Gallery } from "./gallery";
import { InputTile, MethodPanel, type ImageInput, type Tile, type TileView } from "./panels";
import { isTool, stepPixel, type ExplorerTraits } from "./state";

type Model = AnyModel<ExplorerTraits>;

/** Every trait the view shows; a change to any of them schedules one redraw. */
const WATCHED: (keyof ExplorerTraits)[] = [
  "samples",
  "samples_shape",
  "sample_labels",
  "sample_index",
  "image",
  "image_shape",
  "mask",
  "mask_shape",
  "show_mask",
  "enabled_methods",
  "panels",
  "target_label",
  "clicked_pixel",
  "edits",
  "edit_tool",
  "brush_radius",
  "brush_color",
  "colormap",
  "sign",
  "clip_percentile",
  "opacity",
  "reduction",
  "display_size",
  "status",
  "error",
];

interface Drag {
  gesture: EditGesture;
  canvas: HTMLCanvasElement;
  pointerId: number;
  /** Where the stroke sits in `edits` (strokes are appended at pointer-down). */
  index: number;
  revision: number;
  sentRevision: number;
}

function methodNames(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return [...new Set(value.filter((name): name is string => typeof name === "string"))];
}

function brushColour(value: unknown): RGB {
  if (!Array.isArray(value) || value.length !== 3) return [1, 1, 1];
  return value.map((v) => Math.min(1, Math.max(0, Number(v) || 0))) as RGB;
}

/** Keep a drag's events on the canvas it began on; a synthetic event's pointer cannot be captured. */
function capture(canvas: HTMLCanvasElement, pointerId: number): void {
  if (typeof canvas.setPointerCapture !== "function") return;
  try {
    canvas.setPointerCapture(pointerId);
  } catch {
    // NotFoundError: no active pointer with this id (events dispatched by a script).
  }
}

export function renderExplorer({ model, el }: { model: Model; el: HTMLElement }): () => void {
  const listeners = new Listeners();
  const tileListeners = new Listeners();
  const read: ReadTrait = (name) => model.get(name);
  const write: WriteTrait = (name, value) => {
    model.set(name, value);
    model.save_changes();
  };

  const root = element("div", "xw-view xw-explorer", el);
  const header = element("div", "xw-explorer-header", root);
  const targetLabel = element("span", "xw-target-label", header);
  const statusLine = element("span", "xw-explorer-status", header);
  statusLine.setAttribute("aria-live", "polite");
  const errorBox = element("div", "xw-explorer-error", root);
  errorBox.setAttribute("role", "alert");
  const message = element("div", "xw-message xw-error", root);
  const gallery = new Gallery(
    root,
    (index) => write("sample_index", index),
    () => model.get("sample_index") ?? 0,
  );
  const toolbar = new Toolbar(root, listeners, write);
  const controls = new DisplayControls(root, listeners, write);
  const grid = element("div", "xw-grid", root);
  const input = new InputTile(grid);
  const panels = new Map<string, MethodPanel>();
  let order: string[] = [];

  const imageMemo = new Memo<RGBAImage | null>();
  let imageRef: unknown = undefined;
  let imageRefVersion = 0;
  let imageGrid: [number, number] | null = null;
  const edgesMemo = new Memo<Float32Array | null>();
  let maskRef: unknown = undefined;
  let maskRefVersion = 0;

  let drag: Drag | null = null;
  let dragTimer: ReturnType<typeof setTimeout> | 0 = 0;
  let gestures = 0;
  const throttle = new Throttle();
  let frame = 0;

  function schedule(): void {
    if (frame === 0) frame = requestAnimationFrame(draw);
  }

  function decodeImage(problems: string[]): ImageInput {
    const value = model.get("image");
    if (value !== imageRef) {
      imageRef = value;
      imageRefVersion++;
    }
    const shape = model.get("image_shape");
    try {
      const rgba = imageMemo.get(`${imageRefVersion}|${shape}`, () => {
        const decoded = decodeTrait(value, "uint8", shape, "image");
        if (decoded && (decoded.shape.length !== 3 || decoded.shape[2] !== 3)) {
          throw new Error(`image: expected shape (H, W, 3), got [${decoded.shape.join(", ")}].`);
        }
        return decoded ? paintImage(decoded) : null;
      });
      return { rgba, version: imageMemo.version };
    } catch (error) {
      problems.push((error as Error).message);
      imageMemo.reset();
      return { rgba: null, version: -1 };
    }
  }

  function decodeMask(problems: string[]): Float32Array | null {
    const value = model.get("mask");
    if (value !== maskRef) {
      maskRef = value;
      maskRefVersion++;
    }
    const shape = model.get("mask_shape");
    try {
      return edgesMemo.get(`${maskRefVersion}|${shape}|${imageGrid}`, () => {
        const decoded = decodeTrait(value, "uint8", shape, "mask");
        if (!decoded || !imageGrid) return null;
        if (decoded.shape.length !== 2 || decoded.shape[0] !== imageGrid[0] || decoded.shape[1] !== imageGrid[1]) {
          throw new Error(`mask: shape [${decoded.shape.join(", ")}] does not match the image (${imageGrid.join("x")}).`);
        }
        return maskEdges(decoded.data, imageGrid[0], imageGrid[1]);
      });
    } catch (error) {
      problems.push((error as Error).message);
      return null;
    }
  }

  function drawHeader(): void {
    const target = model.get("target_label") ?? "";
    setText(targetLabel, target ? `target: ${target}` : "");
    targetLabel.hidden = !target;
    const status = model.get("status") ?? "idle";
    statusLine.dataset.status = status;
    setText(statusLine, status === "computing" ? "computing…" : status === "error" ? "error" : "");
    const error = model.get("error") ?? "";
    setText(errorBox, error);
    errorBox.hidden = !error;
  }

  function reconcilePanels(wanted: string[]): void {
    for (const [name, panel] of panels) {
      if (wanted.includes(name)) continue;
      if (drag && drag.canvas === panel.canvas) endDrag(false);
      tileListeners.forget(panel.canvas);
      panel.root.remove();
      panels.delete(name);
    }
    for (const name of wanted) {
      if (panels.has(name)) continue;
      const panel = new MethodPanel(grid, name);
      bindTile(panel, panel);
      panels.set(name, panel);
    }
    if (order.join("\n") !== wanted.join("\n")) {
      for (const name of wanted) {
        const panel = panels.get(name)!;
        panel.root.remove();
        grid.appendChild(panel.root);
      }
      order = wanted;
    }
  }

  function draw(): void {
    frame = 0;
    const problems: string[] = [];
    drawHeader();
    const image = decodeImage(problems);
    imageGrid = image.rgba ? [image.rgba.height, image.rgba.width] : null;
    const hasMask = (model.get("mask")?.byteLength ?? 0) > 0;
    const edges = decodeMask(problems);
    gallery.update(model.get("samples"), model.get("samples_shape"), model.get("sample_labels"), model.get("sample_index") ?? 0);
    toolbar.sync(read);
    controls.sync(read, hasMask);
    const tool = model.get("edit_tool");
    root.dataset.tool = isTool(tool) ? tool : "none";
    const showMask = (model.get("show_mask") ?? true) && edges !== null;
    const view: TileView = {
      displaySize: model.get("display_size") ?? 0,
      clickedPixel: model.get("clicked_pixel"),
      edges: showMask ? edges : null,
      edgesKey: showMask ? `mask${edgesMemo.version}` : "",
      preview: drag ? drag.gesture.preview() : null,
      previewKey: drag ? `${gestures}.${drag.revision}` : "",
    };
    const edits = model.get("edits");
    input.update(image, Array.isArray(edits) && edits.length > 0, view);
    const wanted = methodNames(model.get("enabled_methods"));
    reconcilePanels(wanted);
    const entries = model.get("panels") ?? {};
    const display = {
      colormap: model.get("colormap") ?? "auto",
      sign: model.get("sign") ?? "all",
      clipPercentile: model.get("clip_percentile") ?? 99.5,
      reduction: model.get("reduction") ?? "sum",
      opacity: model.get("opacity") ?? 0.7,
    };
    for (const name of wanted) {
      const entry = Object.prototype.hasOwnProperty.call(entries, name) ? entries[name] : undefined;
      panels.get(name)!.update(entry, image, display, view);
    }
    setText(message, problems.join(" "));
  }

  /** Image coordinates for hit-testing a tile: the image's grid, or what the tile shows without one. */
  function gridOf(tile: Tile): [number, number] | null {
    return imageGrid ?? tile.grid;
  }

  function sendStroke(final: boolean): void {
    if (!drag || drag.gesture.tool === "rectangle") return;
    if (dragTimer !== 0) {
      clearTimeout(dragTimer);
      dragTimer = 0;
    }
    if (drag.revision === drag.sentRevision) return;
    const now = performance.now();
    const wait = final ? 0 : throttle.wait(now);
    if (wait > 0) {
      dragTimer = setTimeout(() => {
        dragTimer = 0;
        sendStroke(false);
      }, wait);
      return;
    }
    const next = replaceEdit(model.get("edits"), drag.index, drag.gesture.op());
    if (next === null) {
      // The list changed under the drag (a reset, another sample): stop writing to it.
      drag = null;
      schedule();
      return;
    }
    drag.sentRevision = drag.revision;
    throttle.sent(now);
    write("edits", next);
  }

  function endDrag(commit: boolean): void {
    if (!drag) return;
    const { gesture, canvas, pointerId } = drag;
    if (gesture.tool === "rectangle") {
      if (commit) write("edits", appendEdit(model.get("edits"), gesture.op()).edits);
    } else {
      sendStroke(true);
    }
    if (dragTimer !== 0) clearTimeout(dragTimer);
    dragTimer = 0;
    if (typeof canvas.releasePointerCapture === "function" && canvas.hasPointerCapture?.(pointerId)) {
      canvas.releasePointerCapture(pointerId);
    }
    drag = null;
    schedule();
  }

  function bindTile(tile: Tile, panel: MethodPanel | null): void {
    const canvas = tile.canvas;
    tileListeners.on<MouseEvent>(canvas, "click", (event) => {
      if (model.get("edit_tool") !== "none" && isTool(model.get("edit_tool"))) return;
      const size = gridOf(tile);
      const pixel = size ? eventToPixel(event, canvas, size[0], size[1]) : null;
      if (pixel) write("clicked_pixel", pixel);
    });
    tileListeners.on<PointerEvent>(canvas, "pointerdown", (event) => {
      const tool = model.get("edit_tool");
      if (drag || !isTool(tool) || tool === "none" || !imageGrid) return;
      if (typeof event.button === "number" && event.button !== 0) return;
      const pixel = eventToPixel(event, canvas, imageGrid[0], imageGrid[1]);
      if (!pixel) return;
      event.preventDefault();
      capture(canvas, event.pointerId);
      const gesture = new EditGesture(tool, pixel, clampRadius(model.get("brush_radius")), brushColour(model.get("brush_color")));
      gestures++;
      drag = { gesture, canvas, pointerId: event.pointerId, index: -1, revision: 0, sentRevision: 0 };
      if (tool !== "rectangle") {
        const { edits, index } = appendEdit(model.get("edits"), gesture.op());
        drag.index = index;
        throttle.sent(performance.now());
        write("edits", edits);
      }
      schedule();
    });
    /** Follow a drag on this canvas to the event's pixel; true when the operation grew. */
    const follow = (event: PointerEvent): boolean => {
      if (!drag || drag.canvas !== canvas || drag.pointerId !== event.pointerId || !imageGrid) return false;
      const pixel = clampedPixel(event.clientX, event.clientY, canvas.getBoundingClientRect(), imageGrid[0], imageGrid[1]);
      if (!pixel || !drag.gesture.move(pixel)) return false;
      drag.revision++;
      schedule();
      return true;
    };
    tileListeners.on<PointerEvent>(canvas, "pointermove", (event) => {
      if (follow(event)) sendStroke(false);
      if (panel) {
        const size = gridOf(tile);
        panel.showReadout(size ? eventToPixel(event, canvas, size[0], size[1]) : null);
      }
    });
    const finish = (commit: boolean) => (event: PointerEvent) => {
      if (!drag || drag.canvas !== canvas || drag.pointerId !== event.pointerId) return;
      if (commit) follow(event);
      endDrag(commit);
    };
    tileListeners.on(canvas, "pointerup", finish(true));
    tileListeners.on(canvas, "pointercancel", finish(false));
    tileListeners.on(canvas, "pointerleave", () => panel?.showReadout(null));
    tileListeners.on<KeyboardEvent>(canvas, "keydown", (event) => {
      const size = gridOf(tile);
      if (!size) return;
      const current = model.get("clicked_pixel");
      const start: Pixel | null = Array.isArray(current) && current.length === 2 ? [current[0], current[1]] : null;
      const next = stepPixel(start, event.key, size[0], size[1]);
      if (!next) return;
      event.preventDefault();
      write("clicked_pixel", next);
    });
  }

  bindTile(input, null);
  const traitHandlers = WATCHED.map((name) => {
    const event = `change:${name}`;
    model.on(event, schedule);
    return event;
  });

  draw();

  return () => {
    if (frame !== 0) cancelAnimationFrame(frame);
    frame = 0;
    if (dragTimer !== 0) clearTimeout(dragTimer);
    for (const event of traitHandlers) model.off(event, schedule);
    listeners.clear();
    tileListeners.clear();
    gallery.destroy();
    root.remove();
  };
}
