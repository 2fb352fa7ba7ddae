/**
 * Pointer and key input on the explorer's tiles: a click or an arrow key chooses the pixel;
 * with an editing tool a drag paints, erases or boxes, sending a growing stroke at most every
 * STROKE_INTERVAL_MS and a rectangle when the pointer is released.
 */
import { Listeners } from "../../lib/dom";
import { brushColour, clampRadius, editFill, isTool, type EditPreview } from "../../lib/edits";
import { eventToPixel } from "../../lib/hittest";
import type { ReadTrait, WriteTrait } from "../../lib/model";
import { asPixel, stepPixel } from "../../lib/pixels";
import { appendEdit, clampedPixel, EditGesture, replaceEdit, Throttle } from "./editing";
import type { MethodPanel, Tile } from "./panels";
import type { ExplorerTraits } from "./traits";

interface Drag {
  gesture: EditGesture;
  canvas: HTMLCanvasElement;
  pointerId: number;
  /** Where the stroke sits in `edits` (strokes are appended at pointer-down). */
  index: number;
  revision: number;
  sentRevision: number;
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

export class TilePointer {
  private readonly listeners = new Listeners();
  private drag: Drag | null = null;
  private dragTimer: ReturnType<typeof setTimeout> | 0 = 0;
  private gestures = 0;
  private readonly throttle = new Throttle();

  /** `imageGrid`: the image's (rows, columns), null without an image; `redraw` schedules a frame. */
  constructor(
    private readonly read: ReadTrait<ExplorerTraits>,
    private readonly write: WriteTrait<ExplorerTraits>,
    private readonly imageGrid: () => [number, number] | null,
    private readonly redraw: () => void,
  ) {}

  /** The drag's preview for every tile, and a key that changes when it grows. */
  preview(): { preview: EditPreview | null; previewKey: string } {
    const drag = this.drag;
    return drag ? { preview: drag.gesture.preview(), previewKey: `${this.gestures}.${drag.revision}` } : { preview: null, previewKey: "" };
  }

  /** Listen on `tile`'s canvas; a method panel also gets the hover readout. */
  bind(tile: Tile, panel: MethodPanel | null): void {
    const canvas = tile.canvas;
    // Hit-testing uses the image's grid, or what the tile shows without one.
    const gridOf = (): [number, number] | null => this.imageGrid() ?? tile.grid;
    this.listeners.on<MouseEvent>(canvas, "click", (event) => {
      if (this.read("edit_tool") !== "none" && isTool(this.read("edit_tool"))) return;
      const size = gridOf();
      const pixel = size ? eventToPixel(event, canvas, size[0], size[1]) : null;
      if (pixel) this.write("clicked_pixel", pixel);
    });
    this.listeners.on<PointerEvent>(canvas, "pointerdown", (event) => this.begin(canvas, event));
    this.listeners.on<PointerEvent>(canvas, "pointermove", (event) => {
      if (this.follow(canvas, event)) this.sendStroke(false);
      if (panel) {
        const size = gridOf();
        panel.showReadout(size ? eventToPixel(event, canvas, size[0], size[1]) : null);
      }
    });
    const finish = (commit: boolean) => (event: PointerEvent) => {
      const drag = this.drag;
      if (!drag || drag.canvas !== canvas || drag.pointerId !== event.pointerId) return;
      if (commit) this.follow(canvas, event);
      this.end(commit);
    };
    this.listeners.on(canvas, "pointerup", finish(true));
    this.listeners.on(canvas, "pointercancel", finish(false));
    this.listeners.on(canvas, "pointerleave", () => panel?.showReadout(null));
    this.listeners.on<KeyboardEvent>(canvas, "keydown", (event) => {
      const size = gridOf();
      const next = size ? stepPixel(asPixel(this.read("clicked_pixel")), event.key, size[0], size[1]) : null;
      if (!next) return;
      event.preventDefault();
      this.write("clicked_pixel", next);
    });
  }

  /** Stop listening on a tile that goes away, abandoning a drag on it. */
  unbind(tile: Tile): void {
    if (this.drag && this.drag.canvas === tile.canvas) this.end(false);
    this.listeners.forget(tile.canvas);
  }

  destroy(): void {
    if (this.dragTimer !== 0) clearTimeout(this.dragTimer);
    this.dragTimer = 0;
    this.listeners.clear();
  }

  private begin(canvas: HTMLCanvasElement, event: PointerEvent): void {
    const tool = this.read("edit_tool");
    const grid = this.imageGrid();
    if (this.drag || !isTool(tool) || tool === "none" || !grid) return;
    if (typeof event.button === "number" && event.button !== 0) return;
    const pixel = eventToPixel(event, canvas, grid[0], grid[1]);
    if (!pixel) return;
    event.preventDefault();
    capture(canvas, event.pointerId);
    const radius = clampRadius(this.read("brush_radius"));
    const gesture = new EditGesture(tool, pixel, radius, brushColour(this.read("brush_color")), editFill(this.read("edit_fill")));
    this.gestures++;
    this.drag = { gesture, canvas, pointerId: event.pointerId, index: -1, revision: 0, sentRevision: 0 };
    if (tool !== "rectangle") {
      const { edits, index } = appendEdit(this.read("edits"), gesture.op());
      this.drag.index = index;
      this.throttle.sent(performance.now());
      this.write("edits", edits);
    }
    this.redraw();
  }

  /** Follow a drag on `canvas` to the event's pixel; true when the operation grew. */
  private follow(canvas: HTMLCanvasElement, event: PointerEvent): boolean {
    const drag = this.drag;
    const grid = this.imageGrid();
    if (!drag || drag.canvas !== canvas || drag.pointerId !== event.pointerId || !grid) return false;
    const pixel = clampedPixel(event.clientX, event.clientY, canvas.getBoundingClientRect(), grid[0], grid[1]);
    if (!pixel || !drag.gesture.move(pixel)) return false;
    drag.revision++;
    this.redraw();
    return true;
  }

  private sendStroke(final: boolean): void {
    const drag = this.drag;
    if (!drag || drag.gesture.tool === "rectangle") return;
    if (this.dragTimer !== 0) {
      clearTimeout(this.dragTimer);
      this.dragTimer = 0;
    }
    if (drag.revision === drag.sentRevision) return;
    const now = performance.now();
    const wait = final ? 0 : this.throttle.wait(now);
    if (wait > 0) {
      this.dragTimer = setTimeout(() => {
        this.dragTimer = 0;
        this.sendStroke(false);
      }, wait);
      return;
    }
    const next = replaceEdit(this.read("edits"), drag.index, drag.gesture.op());
    if (next === null) {
      // The list changed under the drag (a reset, another sample): stop writing to it.
      this.drag = null;
      this.redraw();
      return;
    }
    drag.sentRevision = drag.revision;
    this.throttle.sent(now);
    this.write("edits", next);
  }

  private end(commit: boolean): void {
    const drag = this.drag;
    if (!drag) return;
    const { gesture, canvas, pointerId } = drag;
    if (gesture.tool === "rectangle") {
      if (commit) this.write("edits", appendEdit(this.read("edits"), gesture.op()).edits);
    } else {
      this.sendStroke(true);
    }
    if (this.dragTimer !== 0) clearTimeout(this.dragTimer);
    this.dragTimer = 0;
    if (typeof canvas.releasePointerCapture === "function" && canvas.hasPointerCapture?.(pointerId)) {
      canvas.releasePointerCapture(pointerId);
    }
    this.drag = null;
    this.redraw();
  }
}
