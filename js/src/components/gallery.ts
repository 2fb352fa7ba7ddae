/**
 * The sample gallery: a thumbnail per sample with its predicted (and, when wrong, true)
 * label, marked correct or wrong; click or the arrow keys choose the sample.
 */
import { decodeWire } from "../lib/decode";
import { element, Listeners, setClass, setText } from "../lib/dom";
import { WireVersion } from "../lib/memo";
import { galleryLabel, stepIndex, type SampleLabel } from "./gallery_labels";

/** CSS px of a thumbnail's longer side. */
export const THUMB_SIZE = 64;

/** One thumbnail's RGBA pixels from (N, H, W, 3) uint8 samples. */
export function thumbnailPixels(samples: Uint8Array, index: number, height: number, width: number): Uint8ClampedArray {
  const plane = height * width;
  const out = new Uint8ClampedArray(plane * 4);
  const start = index * plane * 3;
  for (let i = 0; i < plane; i++) {
    out[4 * i] = samples[start + 3 * i];
    out[4 * i + 1] = samples[start + 3 * i + 1];
    out[4 * i + 2] = samples[start + 3 * i + 2];
    out[4 * i + 3] = 255;
  }
  return out;
}

interface GalleryItem {
  root: HTMLDivElement;
  mark: HTMLSpanElement;
  predicted: HTMLSpanElement;
  truth: HTMLSpanElement;
}

export class Gallery {
  readonly root: HTMLDivElement;
  readonly message: HTMLDivElement;
  private items: GalleryItem[] = [];
  private readonly itemListeners = new Listeners();
  private readonly listeners = new Listeners();
  private readonly samples = new WireVersion();
  private builtVersion = -1;
  private labelsKey = "";
  private selected = -1;
  private shownKey = "";
  /** The samples shown, in gallery order; empty: all of them. */
  private shown: number[] = [];
  /** Thumbnails built so far (tests count rebuilds). */
  builds = 0;

  constructor(
    parent: HTMLElement,
    private readonly onSelect: (index: number) => void,
    /** The selection as the model has it now: key presses may come faster than redraws. */
    private readonly currentIndex: () => number,
  ) {
    this.root = element("div", "xw-gallery", parent);
    this.root.tabIndex = 0;
    this.root.setAttribute("role", "listbox");
    this.root.setAttribute("aria-label", "Samples; use the left and right arrow keys to choose one");
    this.message = element("div", "xw-message xw-error", parent);
    this.listeners.on<KeyboardEvent>(this.root, "keydown", (event) => {
      const current = this.currentIndex();
      const next = this.step(current, event.key);
      if (next === null) return;
      event.preventDefault();
      if (next !== current) this.onSelect(next);
    });
  }

  get count(): number {
    return this.items.length;
  }

  /** The next sample for an arrow key, among the shown ones; null for other keys. */
  private step(current: number, key: string): number | null {
    if (this.shown.length === 0) return stepIndex(current, key, this.items.length);
    const position = this.shown.indexOf(current);
    const next = stepIndex(Math.max(position, 0), key, this.shown.length);
    return next === null ? null : this.shown[next];
  }

  /**
   * `samples`: an array trait of (N, H, W, 3) uint8 images; `shown`: the indices to show (a
   * selection made in a linked view, say a confusion-matrix cell), or empty for all.
   */
  update(samples: unknown, labels: SampleLabel[] | undefined, index: number, shown: number[] = []): void {
    const version = this.samples.track(samples);
    if (version !== this.builtVersion) {
      this.builtVersion = version;
      this.rebuild(samples);
      this.labelsKey = "";
      this.selected = -1;
      this.shownKey = "";
    }
    const shownKey = shown.join(",");
    if (shownKey !== this.shownKey) {
      this.shownKey = shownKey;
      this.shown = shown.filter((i) => i >= 0 && i < this.items.length);
      const visible = new Set(this.shown);
      this.items.forEach(({ root }, i) => {
        root.hidden = shown.length > 0 && !visible.has(i);
      });
      this.root.dataset.shown = String(shown.length > 0 ? this.shown.length : this.items.length);
    }
    const labelsKey = JSON.stringify(labels ?? []);
    if (labelsKey !== this.labelsKey) {
      this.labelsKey = labelsKey;
      this.items.forEach((item, i) => this.label(item, labels?.[i], i));
    }
    if (index !== this.selected) {
      this.items.forEach(({ root }, i) => {
        setClass(root, "xw-selected", i === index);
        root.setAttribute("aria-selected", String(i === index));
      });
      const chosen = this.items[index]?.root;
      if (chosen && typeof chosen.scrollIntoView === "function") chosen.scrollIntoView({ block: "nearest", inline: "nearest" });
      this.selected = index;
    }
  }

  private rebuild(samples: unknown): void {
    this.itemListeners.clear();
    for (const item of this.items) item.root.remove();
    this.items = [];
    setText(this.message, "");
    let decoded;
    try {
      decoded = decodeWire(samples, "samples");
      if (decoded && (decoded.shape.length !== 4 || decoded.shape[3] !== 3 || !(decoded.data instanceof Uint8Array))) {
        throw new Error(`samples: expected uint8 of shape (N, H, W, 3), got [${decoded.shape.join(", ")}].`);
      }
    } catch (error) {
      setText(this.message, (error as Error).message);
      decoded = null;
    }
    this.root.hidden = !decoded || decoded.shape[0] === 0;
    if (!decoded) return;
    const [count, height, width] = decoded.shape;
    const scale = THUMB_SIZE / Math.max(height, width, 1);
    for (let i = 0; i < count; i++) {
      const item = element("div", "xw-gallery-item", this.root);
      item.dataset.index = String(i);
      item.setAttribute("role", "option");
      const thumb = element("canvas", "xw-gallery-thumb", item);
      thumb.width = width;
      thumb.height = height;
      thumb.style.width = `${Math.round(width * scale)}px`;
      thumb.style.height = `${Math.round(height * scale)}px`;
      const pixels = new ImageData(width, height);
      pixels.data.set(thumbnailPixels(decoded.data as Uint8Array, i, height, width));
      thumb.getContext("2d")?.putImageData(pixels, 0, 0);
      const caption = element("div", "xw-gallery-label", item);
      this.items.push({
        root: item,
        mark: element("span", "xw-gallery-mark", caption),
        predicted: element("span", "xw-gallery-predicted", caption),
        truth: element("span", "xw-gallery-true", caption),
      });
      this.itemListeners.on(item, "click", () => this.onSelect(i));
    }
    this.builds++;
  }

  private label(item: GalleryItem, raw: SampleLabel | undefined, index: number): void {
    const label = galleryLabel(raw, index);
    item.root.dataset.correct = label.correctness;
    item.root.title = label.description;
    item.root.setAttribute("aria-label", label.description);
    setText(item.mark, label.mark);
    setText(item.predicted, label.predicted);
    setText(item.truth, label.truth ? `(${label.truth})` : "");
  }

  destroy(): void {
    this.itemListeners.clear();
    this.listeners.clear();
    this.root.remove();
    this.message.remove();
  }
}
