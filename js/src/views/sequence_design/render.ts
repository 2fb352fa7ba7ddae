/**
 * The sequence_design view: the best sequence of each start as it changes while a design runs,
 * with the known motifs found in it boxed, and, with several starts, the logo of the designed
 * sequences (letter height = bits, as a position weight matrix's information content).
 *
 * DOM (what browser tests select on):
 *   .xw-sequence-design > .xw-seq-design-caption, .xw-seq-design-body >
 *      .xw-seq-row-labels > .xw-seq-row-label[data-row]
 *      .xw-seq-scroll > canvas.xw-seq-design-rows[data-painted][data-motifs], canvas.xw-seq-design-logo[data-painted]
 *   .xw-seq-design-legend (what the boxes and the logo mean)
 */
import type { AnyModel } from "@anywidget/types";
import { decodeWire } from "../../lib/decode";
import { element, Listeners, setText } from "../../lib/dom";
import { traitAccess, watchTraits } from "../../lib/model";
import { baseColour, clampZoom, DEFAULT_ZOOM, lettersOf, stackedLogo, zoomStep, type Span } from "../../lib/sequence";
import { drawGlyphs, drawSpanBoxes, prepareCanvas } from "../../lib/sequence_draw";
import type { SequenceDesignTraits } from "./traits";

const ROW_HEIGHT = 20;
const LOGO_HEIGHT = 64;
const MOTIF_COLOUR = "#1b5e20";

const WATCHED: (keyof SequenceDesignTraits)[] = ["alphabet", "sequences", "row_labels", "highlights", "logo", "caption", "zoom"];

/** The motif boxes of one row from the `highlights` trait ([row, start, end, label] each). */
export function rowSpans(highlights: unknown, row: number, length: number): Span[] {
  if (!Array.isArray(highlights)) return [];
  const spans: Span[] = [];
  for (const item of highlights) {
    if (!Array.isArray(item) || item[0] !== row) continue;
    const start = Math.max(0, Number(item[1]));
    const end = Math.min(length, Number(item[2]));
    if (end > start) spans.push({ start, end, label: String(item[3] ?? "") });
  }
  return spans;
}

export function renderSequenceDesign({ model, el }: { model: AnyModel<SequenceDesignTraits>; el: HTMLElement }): () => void {
  const { read, write } = traitAccess(model);
  const listeners = new Listeners();
  const root = element("div", "xw-view xw-sequence-design", el);
  const caption = element("div", "xw-seq-design-caption", root);
  const message = element("div", "xw-message xw-error", root);
  const body = element("div", "xw-seq-design-body", root);
  const labels = element("div", "xw-seq-row-labels", body);
  const scroller = element("div", "xw-seq-scroll", body);
  const rowsCanvas = element("canvas", "xw-seq-design-rows", scroller);
  rowsCanvas.setAttribute("role", "img");
  rowsCanvas.setAttribute("aria-label", "The best sequence of each start, known motifs boxed");
  const logoCanvas = element("canvas", "xw-seq-design-logo", scroller);
  logoCanvas.setAttribute("role", "img");
  logoCanvas.setAttribute("aria-label", "Logo of the designed sequences (bits)");
  const logoLabel = element("div", "xw-seq-track-label xw-seq-design-logo-label", labels);
  const legend = element("div", "xw-seq-design-legend xw-muted", root);
  const rowLabels: HTMLDivElement[] = [];
  let paints = 0;

  const length = (): number => {
    const value = read("sequences") as { shape?: number[] } | null | undefined;
    return Array.isArray(value?.shape) && value!.shape.length === 2 ? value!.shape[1] : 0;
  };
  listeners.on<WheelEvent>(scroller, "wheel", (event) => {
    if (!event.ctrlKey) return;
    event.preventDefault();
    write("zoom", zoomStep(clampZoom(read("zoom") ?? DEFAULT_ZOOM, length()), event.deltaY < 0 ? 1 : -1, length()));
  });

  let frame = 0;
  function schedule(): void {
    if (frame === 0) frame = requestAnimationFrame(draw);
  }

  function draw(): void {
    frame = 0;
    setText(caption, read("caption") ?? "");
    try {
      const alphabet = read("alphabet") || "ACGT";
      const sequences = decodeWire(read("sequences"), "sequences");
      const logo = decodeWire(read("logo"), "logo");
      const count = sequences ? sequences.shape[0] : 0;
      const L = sequences ? sequences.shape[1] : 0;
      const zoom = clampZoom(read("zoom") ?? DEFAULT_ZOOM, L);
      const names = read("row_labels") ?? [];
      while (rowLabels.length < count) {
        const node = element("div", "xw-seq-row-label xw-seq-design-row-label", labels);
        node.style.height = `${ROW_HEIGHT}px`;
        node.dataset.row = String(rowLabels.length);
        rowLabels.push(node);
      }
      while (rowLabels.length > count) rowLabels.pop()!.remove();
      rowLabels.forEach((node, row) => setText(node, names[row] ?? `start ${row + 1}`));
      labels.appendChild(logoLabel);
      const highlights = read("highlights");
      let motifs = 0;
      const ctx = prepareCanvas(rowsCanvas, Math.max(1, L * zoom), Math.max(1, count * ROW_HEIGHT));
      if (ctx && sequences) {
        const fontSize = Math.min(ROW_HEIGHT * 0.8, zoom * 1.3);
        ctx.font = `600 ${fontSize}px 'DejaVu Sans Mono', Menlo, Consolas, monospace`;
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        for (let r = 0; r < count; r++) {
          const letters = lettersOf(sequences.data.subarray(r * L, (r + 1) * L), alphabet);
          const spans = rowSpans(highlights, r, L);
          motifs += spans.length;
          ctx.fillStyle = "#e8f5e9";
          for (const span of spans) ctx.fillRect(span.start * zoom, r * ROW_HEIGHT, (span.end - span.start) * zoom, ROW_HEIGHT - 2);
          if (zoom >= 6) {
            for (let i = 0; i < L; i++) {
              ctx.fillStyle = baseColour(letters[i]);
              ctx.fillText(letters[i], (i + 0.5) * zoom, r * ROW_HEIGHT + ROW_HEIGHT / 2);
            }
          } else {
            for (let i = 0; i < L; i++) {
              ctx.fillStyle = baseColour(letters[i]);
              ctx.fillRect(i * zoom, r * ROW_HEIGHT + 3, zoom, ROW_HEIGHT - 8);
            }
          }
          drawSpanBoxes(ctx, spans, zoom, r * ROW_HEIGHT, ROW_HEIGHT - 1, MOTIF_COLOUR);
        }
        ctx.textAlign = "start";
        paints += 1;
        rowsCanvas.dataset.painted = String(paints);
      }
      rowsCanvas.dataset.motifs = String(motifs);
      const showLogo = !!logo && count > 1 && logo.shape.length === 2 && logo.shape[1] === L;
      logoCanvas.hidden = !showLogo;
      logoLabel.hidden = !showLogo;
      setText(logoLabel, showLogo ? `logo of the ${count} designs (bits, 0-2)` : "");
      logoLabel.style.height = `${LOGO_HEIGHT}px`;
      if (showLogo) {
        const logoCtx = prepareCanvas(logoCanvas, L * zoom, LOGO_HEIGHT);
        if (logoCtx) {
          logoCtx.fillStyle = "#cccccc";
          logoCtx.fillRect(0, LOGO_HEIGHT - 1, L * zoom, 1);
          drawGlyphs(logoCtx, stackedLogo(logo!.data, alphabet, L, Math.log2(alphabet.length), zoom, LOGO_HEIGHT - 1));
          logoCanvas.dataset.painted = String(Number(logoCanvas.dataset.painted ?? "0") + 1);
        }
      }
      setText(
        legend,
        count === 0
          ? ""
          : `green boxes: known motifs found (either strand)${showLogo ? "; logo: letter height = frequency × information content (bits)" : ""}`,
      );
      setText(message, "");
    } catch (failure) {
      setText(message, (failure as Error).message);
    }
  }

  const unwatch = watchTraits(model, WATCHED, schedule);
  draw();
  return () => {
    if (frame !== 0) cancelAnimationFrame(frame);
    frame = 0;
    unwatch();
    listeners.clear();
    root.remove();
  };
}
