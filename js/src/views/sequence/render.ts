/**
 * The sequence view (SequenceExplorer): a header, a toolbar (letters or logo, the method that
 * colours the rows, zoom), the top-k rows, and the open sequence below them; redrawn once per
 * animation frame from the traits; clicks and keys write back only user intent (the open row,
 * edits, the look).
 *
 * DOM (what browser tests select on):
 *   .xw-sequence[data-disconnected] > .xw-explorer-header > .xw-target-label, .xw-explorer-status[data-status]
 *   .xw-explorer-error (Python's error), .xw-message (front-end decoding problems)
 *   .xw-seq-toolbar > select.xw-seq-mode, select.xw-seq-row-method, button.xw-zoom-out, button.xw-zoom-in, .xw-seq-zoom
 *   .xw-seq-rows > .xw-seq-row-labels > .xw-seq-row-label[data-row][data-site](.xw-selected) > .xw-seq-check, .xw-seq-row-text
 *                  .xw-seq-scroll > canvas.xw-seq-rows-canvas[data-painted]
 *   .xw-seq-detail[data-computed] > .xw-seq-detail-header > .xw-seq-output, button.xw-seq-reset
 *        .xw-seq-detail-body > .xw-seq-track-labels (.xw-seq-logo-label[data-method][data-status], .xw-seq-heat-label)
 *                              .xw-seq-detail-scroll > canvas.xw-seq-strip[data-letters][data-cursor], canvas.xw-seq-ruler,
 *                                 .xw-seq-logos > canvas.xw-seq-logo[data-method][data-painted], canvas.xw-seq-heat[data-painted]
 *        .xw-seq-heat-legend (colour bar), .xw-base-picker[data-position] > button.xw-base-option[data-base]
 */
import type { AnyModel } from "@anywidget/types";
import { ConnectionBanner } from "../../components/connection_banner";
import { hasColormap } from "../../lib/colormap";
import { element, Listeners, setText } from "../../lib/dom";
import { formatValue } from "../../lib/format";
import { traitAccess, watchTraits } from "../../lib/model";
import { clampZoom, DEFAULT_ZOOM, lettersOf, withEdit, zoomStep, type BaseEdit } from "../../lib/sequence";
import { decodeWire } from "../../lib/decode";
import { SequenceDetail } from "./detail";
import { SequenceRows } from "./rows";
import type { SequenceTraits } from "./traits";

const WATCHED: (keyof SequenceTraits)[] = [
  "alphabet",
  "rows",
  "row_info",
  "row_scores",
  "row_method",
  "enabled_methods",
  "selected",
  "reference",
  "sequence",
  "edits",
  "output_label",
  "target_label",
  "maps",
  "mutagenesis",
  "display_mode",
  "zoom",
  "colormap",
  "status",
  "error",
];

function option(select: HTMLSelectElement, value: string, text: string): void {
  const node = element("option", "", select);
  node.value = value;
  node.textContent = text;
}

export function renderSequence({ model, el }: { model: AnyModel<SequenceTraits>; el: HTMLElement }): () => void {
  const { read, write } = traitAccess(model);
  const listeners = new Listeners();
  const root = element("div", "xw-view xw-explorer xw-sequence", el);
  const connection = new ConnectionBanner(root, el, model);
  const header = element("div", "xw-explorer-header", root);
  const target = element("span", "xw-target-label", header);
  const status = element("span", "xw-explorer-status", header);
  status.setAttribute("aria-live", "polite");
  const error = element("div", "xw-explorer-error", root);
  error.setAttribute("role", "alert");
  const message = element("div", "xw-message xw-error", root);

  const toolbar = element("div", "xw-seq-toolbar", root);
  const modeLabel = element("label", "xw-control", toolbar);
  element("span", "xw-control-name", modeLabel).textContent = "rows as";
  const mode = element("select", "xw-seq-mode", modeLabel);
  option(mode, "letters", "letters coloured by attribution");
  option(mode, "logo", "logo (height = attribution)");
  const methodLabel = element("label", "xw-control", toolbar);
  element("span", "xw-control-name", methodLabel).textContent = "method";
  const rowMethod = element("select", "xw-seq-row-method", methodLabel);
  const zoomOut = element("button", "xw-zoom-out", toolbar);
  zoomOut.type = "button";
  zoomOut.textContent = "−";
  zoomOut.title = "Zoom out (or ctrl + wheel over the letters)";
  const zoomIn = element("button", "xw-zoom-in", toolbar);
  zoomIn.type = "button";
  zoomIn.textContent = "+";
  zoomIn.title = "Zoom in (or ctrl + wheel over the letters)";
  const zoomText = element("span", "xw-seq-zoom xw-muted", toolbar);

  const rows = new SequenceRows(root, listeners, (row) => write("selected", row === read("selected") ? -1 : row));
  const detail = new SequenceDetail(
    root,
    listeners,
    (position, base) => {
      const reference = decodeWire(read("reference"), "reference");
      const referenceLetters = reference ? lettersOf(reference.data, read("alphabet") ?? "ACGT") : "";
      write("edits", withEdit((read("edits") ?? []) as BaseEdit[], position, base, referenceLetters));
    },
    () => write("edits", []),
  );

  const length = (): number => {
    const value = read("rows") as { shape?: number[] } | null | undefined;
    return Array.isArray(value?.shape) && value!.shape.length === 2 ? value!.shape[1] : 0;
  };
  const zoom = (): number => clampZoom(read("zoom") ?? DEFAULT_ZOOM, length());
  // The base under the pointer stays put when ctrl + wheel zooms.
  let anchor: { scroller: HTMLElement; position: number; offset: number } | null = null;
  const setZoom = (next: number, around?: { scroller: HTMLElement; clientX: number }): void => {
    if (next === zoom()) return;
    if (around) {
      const left = around.scroller.getBoundingClientRect().left;
      const offset = around.clientX - left;
      anchor = { scroller: around.scroller, position: (around.scroller.scrollLeft + offset) / zoom(), offset };
    }
    write("zoom", next);
  };
  listeners.on(zoomIn, "click", () => setZoom(zoomStep(zoom(), 1, length())));
  listeners.on(zoomOut, "click", () => setZoom(zoomStep(zoom(), -1, length())));
  listeners.on(mode, "change", () => write("display_mode", mode.value));
  listeners.on(rowMethod, "change", () => write("row_method", rowMethod.value));
  for (const scroller of [rows.scroller, detail.scroller]) {
    listeners.on<WheelEvent>(scroller, "wheel", (event) => {
      if (!event.ctrlKey) return;
      event.preventDefault();
      setZoom(zoomStep(zoom(), event.deltaY < 0 ? 1 : -1, length()), { scroller, clientX: event.clientX });
    });
    // The rows and the open sequence scroll together, so a base lines up with its maps.
    listeners.on(scroller, "scroll", () => {
      for (const other of [rows.scroller, detail.scroller]) if (other !== scroller && other.scrollLeft !== scroller.scrollLeft) other.scrollLeft = scroller.scrollLeft;
    });
  }

  let frame = 0;
  function schedule(): void {
    if (frame === 0) frame = requestAnimationFrame(draw);
  }

  function draw(): void {
    frame = 0;
    const problems: string[] = [];
    const label = read("target_label") ?? "";
    setText(target, label);
    const state = read("status") ?? "idle";
    status.dataset.status = state;
    setText(status, state === "computing" ? "computing…" : state === "error" ? "error" : "");
    const pythonError = read("error") ?? "";
    setText(error, pythonError);
    error.hidden = !pythonError;

    const alphabet = read("alphabet") || "ACGT";
    const methods = (read("enabled_methods") ?? []).filter((name): name is string => typeof name === "string");
    const scores = read("row_scores") ?? {};
    const available = methods.filter((name) => Object.prototype.hasOwnProperty.call(scores, name));
    const wantedMethod = read("row_method") ?? "";
    const colouring = available.includes(wantedMethod) ? wantedMethod : (available[0] ?? "");
    const optionsKey = methods.join(",");
    if (rowMethod.dataset.options !== optionsKey) {
      rowMethod.textContent = "";
      for (const name of methods) option(rowMethod, name, name);
      rowMethod.dataset.options = optionsKey;
    }
    if (rowMethod.value !== colouring) rowMethod.value = colouring;
    const displayMode = read("display_mode") === "logo" ? "logo" : "letters";
    if (mode.value !== displayMode) mode.value = displayMode;
    const colormapName = read("colormap") ?? "RdBu_r";
    const colormap = hasColormap(colormapName) ? colormapName : "RdBu_r";
    const z = zoom();
    setText(zoomText, `${formatValue(z)} px per base`);
    const info = read("row_info") ?? [];
    const selected = read("selected") ?? -1;
    try {
      rows.update({
        alphabet,
        rows: read("rows"),
        info,
        scores: colouring ? scores[colouring] : null,
        mode: displayMode,
        zoom: z,
        colormap,
        selected,
      });
      detail.update({
        alphabet,
        reference: read("reference"),
        sequence: selected >= 0 ? read("sequence") : null,
        info: info[selected],
        methods,
        maps: read("maps") ?? {},
        mutagenesis: read("mutagenesis"),
        outputLabel: read("output_label") ?? "",
        zoom: z,
        colormap,
      });
    } catch (failure) {
      problems.push((failure as Error).message);
    }
    if (anchor) {
      anchor.scroller.scrollLeft = anchor.position * z - anchor.offset;
      anchor = null;
    }
    setText(message, problems.join(" "));
  }

  const unwatch = watchTraits(model, WATCHED, schedule);
  draw();

  return () => {
    if (frame !== 0) cancelAnimationFrame(frame);
    frame = 0;
    unwatch();
    connection.destroy();
    listeners.clear();
    root.remove();
  };
}
