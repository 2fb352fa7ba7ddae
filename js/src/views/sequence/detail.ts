/**
 * The open sequence: its letters (click a base to change it, or focus the strip and press a
 * letter), a ruler, one attribution logo per enabled method and the in-silico mutagenesis heat
 * map (A x L) with its colour bar, all in one horizontally scrolled column so they stay aligned.
 */
import { lut } from "../../lib/colormap";
import { decodeWire } from "../../lib/decode";
import { element, Listeners, setText } from "../../lib/dom";
import { formatDuration } from "../../lib/format";
import { allNonNegative, changedPositions, lettersOf, positionAt, rulerTicks, signedLogo, spansOf, symmetricScale } from "../../lib/sequence";
import { drawGlyphs, drawLetterRow, drawMatrix, drawReferenceDots, drawRuler, drawSpanBoxes, drawUnderlines, prepareCanvas } from "../../lib/sequence_draw";
import { DivergingLegend } from "./legend";
import { BasePicker } from "./picker";
import type { MapEntry, RowInfo } from "./traits";

const STRIP_HEIGHT = 26;
const RULER_HEIGHT = 16;
const LOGO_HEIGHT = 60;
const HEAT_ROW_HEIGHT = 14;
const EDIT_COLOUR = "#7b1fa2";

/** What the detail shows this frame. */
export interface DetailFrame {
  alphabet: string;
  reference: unknown;
  sequence: unknown;
  info: RowInfo | undefined;
  methods: string[];
  maps: Record<string, MapEntry>;
  mutagenesis: MapEntry | undefined;
  outputLabel: string;
  zoom: number;
  colormap: string;
}

/** A map entry's status line: "computing…", its error, or how long it took. */
export function entryStatus(entry: MapEntry | undefined): { status: string; text: string } {
  if (!entry || entry.status === "computing") return { status: "computing", text: "computing…" };
  if (entry.status === "error") return { status: "error", text: entry.error || "failed" };
  return { status: "idle", text: typeof entry.elapsed_ms === "number" ? formatDuration(entry.elapsed_ms) : "" };
}

interface Track {
  label: HTMLDivElement;
  name: HTMLSpanElement;
  state: HTMLSpanElement;
  canvas: HTMLCanvasElement;
  value: unknown;
  key: string;
}

export class SequenceDetail {
  readonly root: HTMLDivElement;
  readonly header: HTMLDivElement;
  readonly scroller: HTMLDivElement;
  readonly strip: HTMLCanvasElement;
  readonly heat: HTMLCanvasElement;
  readonly legend: DivergingLegend;
  readonly picker: BasePicker;
  private readonly output: HTMLSpanElement;
  private readonly reset: HTMLButtonElement;
  private readonly labels: HTMLDivElement;
  private readonly ruler: HTMLCanvasElement;
  private readonly logoBox: HTMLDivElement;
  private readonly logoLabels: HTMLDivElement;
  private readonly heatLabel: HTMLDivElement;
  private readonly heatState: HTMLSpanElement;
  private readonly heatLetters: HTMLDivElement;
  private tracks = new Map<string, Track>();
  private stripKey = "";
  private heatKey = "";
  private heatValue: unknown = null;
  private letters = "";
  private alphabet = "ACGT";
  /** The base the keyboard acts on (-1: none yet). */
  cursor = -1;
  /** Times the maps were repainted from new values (the latency test watches `data-computed`). */
  computed = 0;

  constructor(
    parent: HTMLElement,
    listeners: Listeners,
    private readonly onEdit: (position: number, base: string) => void,
    onReset: () => void,
  ) {
    this.root = element("div", "xw-seq-detail", parent);
    this.header = element("div", "xw-seq-detail-header", this.root);
    this.output = element("span", "xw-seq-output", this.header);
    this.reset = element("button", "xw-seq-reset", this.header);
    this.reset.type = "button";
    this.reset.textContent = "undo edits";
    this.reset.title = "Put every changed base back";
    listeners.on(this.reset, "click", onReset);
    const hint = element("span", "xw-muted xw-seq-hint", this.header);
    hint.textContent = "click a base to change it (or focus the letters and press A/C/G/T, ←/→ to move)";
    const body = element("div", "xw-seq-detail-body", this.root);
    this.labels = element("div", "xw-seq-track-labels", body);
    const stripLabel = element("div", "xw-seq-track-label", this.labels);
    stripLabel.textContent = "sequence";
    stripLabel.style.height = `${STRIP_HEIGHT}px`;
    element("div", "xw-seq-track-label", this.labels).style.height = `${RULER_HEIGHT}px`;
    this.logoLabels = element("div", "xw-seq-logo-labels", this.labels);
    this.heatLabel = element("div", "xw-seq-track-label xw-seq-heat-label", this.labels);
    const heatText = element("div", "xw-seq-heat-text", this.heatLabel);
    element("div", "xw-seq-heat-title", heatText).textContent = "in-silico mutagenesis";
    this.heatState = element("span", "xw-panel-status", heatText);
    this.heatLetters = element("div", "xw-seq-heat-letters", this.heatLabel);
    this.heatLabel.style.height = `${this.heatHeight()}px`;
    this.scroller = element("div", "xw-seq-scroll xw-seq-detail-scroll", body);
    this.strip = element("canvas", "xw-seq-strip", this.scroller);
    this.strip.tabIndex = 0;
    this.strip.setAttribute("role", "img");
    this.strip.setAttribute("aria-label", "The open sequence; click a base to change it, or press A, C, G or T");
    // Letter keys on the strip are edits, not the notebook's command-mode shortcuts (A, C ...).
    this.strip.setAttribute("data-lm-suppress-shortcuts", "true");
    this.ruler = element("canvas", "xw-seq-ruler", this.scroller);
    this.logoBox = element("div", "xw-seq-logos", this.scroller);
    this.heat = element("canvas", "xw-seq-heat", this.scroller);
    this.heat.setAttribute("role", "img");
    this.heat.setAttribute("aria-label", "In-silico mutagenesis: the change of the output for each substitution");
    this.legend = new DivergingLegend(this.root, "xw-seq-heat-legend");
    this.picker = new BasePicker(this.root, listeners, (position, base) => this.edit(position, base));
    listeners.on<MouseEvent>(this.strip, "click", (event) => this.clicked(event));
    listeners.on<KeyboardEvent>(this.strip, "keydown", (event) => this.key(event));
  }

  private heatHeight(): number {
    return this.alphabet.length * HEAT_ROW_HEIGHT;
  }

  private edit(position: number, base: string): void {
    this.cursor = position;
    if (this.letters[position] !== base) this.onEdit(position, base);
    this.strip.focus?.();
  }

  private clicked(event: MouseEvent): void {
    const rect = this.strip.getBoundingClientRect();
    const position = positionAt(event.clientX, rect.left, rect.width, this.letters.length);
    if (position === null) return;
    this.cursor = position;
    this.stripKey = "";
    const host = this.root.getBoundingClientRect();
    const zoom = rect.width / Math.max(1, this.letters.length);
    this.picker.open(position, this.letters[position], this.alphabet, rect.left - host.left + position * zoom, rect.top + rect.height - host.top + 2);
    this.redrawStrip();
  }

  private key(event: KeyboardEvent): void {
    const length = this.letters.length;
    if (length === 0) return;
    const letter = event.key.length === 1 ? event.key.toUpperCase() : "";
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      event.preventDefault();
      event.stopPropagation();
      const step = event.key === "ArrowRight" ? 1 : -1;
      this.cursor = Math.min(length - 1, Math.max(0, (this.cursor < 0 ? 0 : this.cursor + step)));
      this.picker.close();
      this.stripKey = "";
      this.redrawStrip();
      this.scrollTo(this.cursor);
    } else if (event.key === "Escape") {
      this.picker.close();
    } else if (letter && this.alphabet.includes(letter) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      event.stopPropagation();
      this.picker.close();
      this.edit(this.cursor < 0 ? 0 : this.cursor, letter);
    }
  }

  private scrollTo(position: number): void {
    const zoom = this.strip.getBoundingClientRect().width / Math.max(1, this.letters.length);
    const x = position * zoom;
    const view = this.scroller.clientWidth;
    if (x < this.scroller.scrollLeft) this.scroller.scrollLeft = x - zoom;
    else if (x + zoom > this.scroller.scrollLeft + view) this.scroller.scrollLeft = x + 2 * zoom - view;
  }

  private lastFrame: DetailFrame | null = null;

  private redrawStrip(): void {
    if (this.lastFrame) this.drawStrip(this.lastFrame);
  }

  update(frame: DetailFrame): void {
    this.lastFrame = frame;
    this.alphabet = frame.alphabet;
    const sequence = decodeWire(frame.sequence, "sequence");
    const reference = decodeWire(frame.reference, "reference");
    this.root.hidden = !sequence;
    if (!sequence) {
      this.picker.close();
      this.letters = "";
      return;
    }
    this.letters = lettersOf(sequence.data, frame.alphabet);
    const referenceLetters = reference ? lettersOf(reference.data, frame.alphabet) : this.letters;
    setText(this.output, frame.outputLabel);
    const edited = changedPositions(referenceLetters, this.letters).length;
    this.reset.disabled = edited === 0;
    setText(this.reset, edited ? `undo ${edited} edit${edited === 1 ? "" : "s"}` : "no edits");
    this.drawStrip(frame, referenceLetters);
    this.drawRulerTrack(frame);
    let repainted = this.drawLogos(frame);
    repainted = this.drawHeat(frame, sequence.data) || repainted;
    if (repainted) {
      this.computed += 1;
      this.root.dataset.computed = String(this.computed);
    }
  }

  private referenceLetters = "";

  private drawStrip(frame: DetailFrame, referenceLetters?: string): void {
    if (referenceLetters !== undefined) this.referenceLetters = referenceLetters;
    const length = this.letters.length;
    const key = JSON.stringify([this.letters, this.referenceLetters, this.cursor, frame.zoom, frame.info?.sites]);
    if (key === this.stripKey) return;
    this.stripKey = key;
    const ctx = prepareCanvas(this.strip, length * frame.zoom, STRIP_HEIGHT);
    if (!ctx) return;
    drawLetterRow(ctx, this.letters, null, 1, lut(frame.colormap), frame.zoom, 0, STRIP_HEIGHT - 4);
    drawUnderlines(ctx, spansOf(frame.info?.sites, length), frame.zoom, STRIP_HEIGHT - 3, "#111111");
    const edited = changedPositions(this.referenceLetters, this.letters).map((p) => ({ start: p, end: p + 1, label: "edit" }));
    drawSpanBoxes(ctx, edited, frame.zoom, 0, STRIP_HEIGHT - 4, EDIT_COLOUR);
    if (this.cursor >= 0 && this.cursor < length) {
      ctx.strokeStyle = "#1976d2";
      ctx.lineWidth = 2;
      ctx.strokeRect(this.cursor * frame.zoom + 1, 1, frame.zoom - 2, STRIP_HEIGHT - 6);
    }
    this.strip.dataset.letters = this.letters;
    this.strip.dataset.cursor = String(this.cursor);
  }

  private drawRulerTrack(frame: DetailFrame): void {
    const length = this.letters.length;
    const ctx = prepareCanvas(this.ruler, length * frame.zoom, RULER_HEIGHT);
    if (ctx) drawRuler(ctx, rulerTicks(length, frame.zoom), frame.zoom);
  }

  /** One logo track per enabled method; true when any was repainted from a new value. */
  private drawLogos(frame: DetailFrame): boolean {
    const wanted = new Set(frame.methods);
    for (const [name, track] of this.tracks) {
      if (wanted.has(name)) continue;
      track.label.remove();
      track.canvas.remove();
      this.tracks.delete(name);
    }
    let repainted = false;
    frame.methods.forEach((name) => {
      let track = this.tracks.get(name);
      if (!track) {
        const label = element("div", "xw-seq-track-label xw-seq-logo-label", this.logoLabels);
        label.style.height = `${LOGO_HEIGHT}px`;
        const title = element("span", "xw-seq-logo-name", label);
        const state = element("span", "xw-panel-status", label);
        const canvas = element("canvas", "xw-seq-logo", this.logoBox);
        canvas.dataset.method = name;
        canvas.setAttribute("role", "img");
        track = { label, name: title, state, canvas, value: null, key: "" };
        this.tracks.set(name, track);
      }
      // Keep the DOM order of the tracks that of the methods.
      this.logoLabels.appendChild(track.label);
      this.logoBox.appendChild(track.canvas);
      const entry = frame.maps[name];
      const { status, text } = entryStatus(entry);
      setText(track.name, name);
      track.label.dataset.method = name;
      track.label.dataset.status = status;
      track.state.dataset.status = status;
      setText(track.state, text);
      track.state.title = text;
      const values = decodeWire(entry?.values, `maps.${name}`);
      const key = JSON.stringify([this.letters, frame.zoom, values ? values.shape : null]);
      if (key === track.key && entry?.values === track.value) return;
      track.key = key;
      track.value = entry?.values;
      const length = this.letters.length;
      const ctx = prepareCanvas(track.canvas, length * frame.zoom, LOGO_HEIGHT);
      if (!ctx) return;
      const signed = !values || !allNonNegative(values.data);
      const baseline = signed ? LOGO_HEIGHT / 2 : LOGO_HEIGHT - 1;
      ctx.fillStyle = "#cccccc";
      ctx.fillRect(0, baseline, length * frame.zoom, 1);
      if (values && values.shape[0] === length) {
        const scale = symmetricScale(values.data);
        drawGlyphs(ctx, signedLogo(this.letters, values.data, scale, frame.zoom, baseline * (signed ? 2 : 1), signed), baseline);
        track.canvas.dataset.scale = String(scale);
        track.label.title = `${name}: ${entry?.units ?? "attribution"} at the observed base; letter height = |score| / ${scale.toPrecision(3)} (the largest), up = supports the output`;
        repainted = true;
      }
      track.canvas.dataset.painted = String(Number(track.canvas.dataset.painted ?? "0") + 1);
    });
    return repainted;
  }

  private drawHeat(frame: DetailFrame, codes: ArrayLike<number>): boolean {
    const entry = frame.mutagenesis;
    const { status, text } = entryStatus(entry);
    this.heatState.dataset.status = status;
    setText(this.heatState, text);
    this.heatLabel.style.height = `${this.heatHeight()}px`;
    if (this.heatLetters.textContent !== frame.alphabet) {
      this.heatLetters.textContent = "";
      for (const letter of frame.alphabet) {
        const row = element("div", "xw-seq-heat-letter", this.heatLetters);
        row.textContent = letter;
        row.style.height = `${HEAT_ROW_HEIGHT}px`;
      }
    }
    const values = decodeWire(entry?.values, "mutagenesis");
    const length = this.letters.length;
    const key = JSON.stringify([this.letters, frame.zoom, frame.colormap, values ? values.shape : null]);
    if (key === this.heatKey && entry?.values === this.heatValue) return false;
    this.heatKey = key;
    this.heatValue = entry?.values;
    const ctx = prepareCanvas(this.heat, length * frame.zoom, this.heatHeight());
    if (!ctx || !values || values.shape[1] !== length) return false;
    const rows = values.shape[0];
    const scale = symmetricScale(values.data);
    drawMatrix(ctx, values.data, rows, length, scale, lut(frame.colormap), frame.zoom, HEAT_ROW_HEIGHT);
    drawReferenceDots(ctx, codes, frame.zoom, HEAT_ROW_HEIGHT);
    this.legend.update(frame.colormap, scale, `${entry?.units ?? "Δ output"}: the model's raw target output for the mutant minus the original's (rows ${frame.alphabet.split("").join(", ")}; dot: the base now)`);
    this.heat.dataset.painted = String(Number(this.heat.dataset.painted ?? "0") + 1);
    this.heat.dataset.scale = String(scale);
    return true;
  }
}
