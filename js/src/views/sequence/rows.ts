/**
 * The top-k rows: a fixed column of labels (check mark where a site is known, sample, label,
 * output) beside a horizontally scrolled canvas of letters coloured by attribution (or drawn as
 * a logo), known sites underlined; a click on a row opens it.
 */
import { lut } from "../../lib/colormap";
import { decodeWire } from "../../lib/decode";
import { element, Listeners, setClass, setText } from "../../lib/dom";
import { allNonNegative, lettersOf, rowAt, signedLogo, spansOf, symmetricScale } from "../../lib/sequence";
import { drawGlyphs, drawLetterRow, drawUnderlines, prepareCanvas } from "../../lib/sequence_draw";
import type { RowInfo } from "./traits";

export const ROW_HEIGHT = 20;
export const LOGO_ROW_HEIGHT = 40;
const SITE_COLOUR = "#111111";

/** What the rows show this frame. */
export interface RowsFrame {
  alphabet: string;
  rows: unknown;
  info: RowInfo[];
  /** Per-base scores (K, L) of the method that colours the rows, or null. */
  scores: unknown;
  mode: string;
  zoom: number;
  colormap: string;
  selected: number;
}

/** The text of a row's label column: "✓" where a site is known, the sample, the label, the output. */
export function rowLabel(info: RowInfo | undefined): { mark: string; text: string; title: string } {
  if (!info) return { mark: "", text: "", title: "" };
  const known = Array.isArray(info.sites) && info.sites.length > 0;
  const parts = [`#${info.index}`];
  if (info.label !== null && info.label !== undefined) parts.push(info.label);
  parts.push(info.output_text);
  const sites = known ? info.sites!.map(([start, end, strand]) => `${start + 1}-${end}${strand}`).join(", ") : "none known";
  return { mark: known ? "✓" : "", text: parts.join("  "), title: `sample ${info.index}; known sites: ${sites}` };
}

export class SequenceRows {
  readonly root: HTMLDivElement;
  readonly labels: HTMLDivElement;
  readonly scroller: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private labelNodes: HTMLDivElement[] = [];
  private key = "";
  private rowHeight = ROW_HEIGHT;
  private count = 0;
  /** How many times the canvas was painted (tests and latency read `data-painted`). */
  paints = 0;

  constructor(
    parent: HTMLElement,
    listeners: Listeners,
    private readonly onOpen: (row: number) => void,
  ) {
    this.root = element("div", "xw-seq-rows", parent);
    this.labels = element("div", "xw-seq-row-labels", this.root);
    this.scroller = element("div", "xw-seq-scroll", this.root);
    this.canvas = element("canvas", "xw-seq-rows-canvas", this.scroller);
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", "Top sequences, each base coloured by its attribution; click a row to open it");
    listeners.on<MouseEvent>(this.canvas, "click", (event) => {
      const rect = this.canvas.getBoundingClientRect();
      const row = rowAt(event.clientY, rect.top, rect.height, this.count);
      if (row !== null) this.onOpen(row);
    });
  }

  update(frame: RowsFrame): void {
    const rows = decodeWire(frame.rows, "rows");
    const scores = decodeWire(frame.scores, "row_scores");
    const count = rows ? rows.shape[0] : 0;
    this.count = count;
    this.updateLabels(frame, count);
    const key = JSON.stringify([frame.mode, frame.zoom, frame.colormap, frame.alphabet, frame.info.map((r) => r.index)]);
    // Array identity changes with every new value from Python; the key covers the rest.
    if (key === this.key && this.rowsValue === frame.rows && this.scoresValue === frame.scores) return;
    this.key = key;
    this.rowsValue = frame.rows;
    this.scoresValue = frame.scores;
    this.rowHeight = frame.mode === "logo" ? LOGO_ROW_HEIGHT : ROW_HEIGHT;
    for (const node of this.labelNodes) node.style.height = `${this.rowHeight}px`;
    if (!rows) {
      prepareCanvas(this.canvas, 1, 1);
      return;
    }
    const length = rows.shape[1];
    const ctx = prepareCanvas(this.canvas, length * frame.zoom, count * this.rowHeight + 4);
    if (!ctx) return;
    const table = lut(frame.colormap);
    const scale = scores && scores.shape[1] === length ? symmetricScale(scores.data) : 0;
    const signed = !scores || !allNonNegative(scores.data);
    for (let r = 0; r < count; r++) {
      const letters = lettersOf(rows.data.subarray(r * length, (r + 1) * length), frame.alphabet);
      const rowScores = scores && scores.shape[1] === length ? scores.data.subarray(r * length, (r + 1) * length) : null;
      const y = r * this.rowHeight;
      if (frame.mode === "logo" && rowScores) {
        ctx.save();
        ctx.translate(0, y);
        const height = this.rowHeight - 4;
        const baseline = signed ? height / 2 : height;
        ctx.fillStyle = "#dddddd";
        ctx.fillRect(0, baseline, length * frame.zoom, 1);
        drawGlyphs(ctx, signedLogo(letters, rowScores, scale, frame.zoom, height, signed), baseline);
        ctx.restore();
      } else {
        drawLetterRow(ctx, letters, rowScores, scale, table, frame.zoom, y, this.rowHeight - 3);
      }
      drawUnderlines(ctx, spansOf(frame.info[r]?.sites, length), frame.zoom, y + this.rowHeight - 3, SITE_COLOUR);
    }
    this.paints += 1;
    this.canvas.dataset.painted = String(this.paints);
    this.canvas.dataset.scale = String(scale);
  }

  private rowsValue: unknown = null;
  private scoresValue: unknown = null;

  private updateLabels(frame: RowsFrame, count: number): void {
    while (this.labelNodes.length < count) {
      const row = this.labelNodes.length;
      const node = element("div", "xw-seq-row-label", this.labels);
      element("span", "xw-seq-check", node);
      element("span", "xw-seq-row-text", node);
      node.dataset.row = String(row);
      node.addEventListener("click", () => this.onOpen(row));
      this.labelNodes.push(node);
    }
    while (this.labelNodes.length > count) this.labelNodes.pop()!.remove();
    this.labelNodes.forEach((node, row) => {
      const { mark, text, title } = rowLabel(frame.info[row]);
      setText(node.children[0] as HTMLElement, mark);
      setText(node.children[1] as HTMLElement, text);
      node.title = title;
      node.dataset.site = mark ? "known" : "none";
      node.style.height = `${this.rowHeight}px`;
      setClass(node, "xw-selected", row === frame.selected);
    });
  }
}
