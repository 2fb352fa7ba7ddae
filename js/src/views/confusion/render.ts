/**
 * The confusion view: the confusion matrix as a heat map (rows: true class, columns: predicted
 * class; each cell labelled with its count or row percentage), a toggle between counts and row
 * fractions, and for binary models a threshold slider. The matrix is counted here from the
 * scores already in the browser, so the slider repaints it in the same frame; the new threshold
 * goes to Python, which moves the operating point on the curves. A click on a cell writes
 * `selected_cell`.
 *
 * DOM (what browser tests select on):
 *   .xw-confusion[data-classes] > .xw-confusion-title, label > input.xw-confusion-normalize,
 *   .xw-confusion-threshold[hidden] > input.xw-threshold (range), .xw-threshold-value,
 *   .xw-confusion-grid[data-counts][data-painted-at] > .xw-confusion-cell[data-row][data-col][data-count](.xw-selected),
 *   .xw-confusion-row-label, .xw-confusion-col-label, .xw-confusion-axis-true, .xw-confusion-axis-pred,
 *   .xw-message.xw-error (decoding problems; Python's errors are shown by the ModelReport's status line)
 */
import type { AnyModel } from "@anywidget/types";
import { cellColours, cellText, countConfusion, rowFractions, thresholded } from "../../lib/confusion";
import { decodeWire, type NDArray } from "../../lib/decode";
import { element, Listeners, setClass, setText } from "../../lib/dom";
import { traitAccess, watchTraits } from "../../lib/model";
import type { ConfusionTraits } from "./traits";

const WATCHED: (keyof ConfusionTraits)[] = [
  "class_names",
  "labels",
  "predictions",
  "scores",
  "threshold",
  "normalize",
  "selected_cell",
  "title",
];

export function renderConfusion({ model, el }: { model: AnyModel<ConfusionTraits>; el: HTMLElement }): () => void {
  const { read, write } = traitAccess(model);
  const listeners = new Listeners();
  const cellListeners = new Listeners();
  const root = element("div", "xw-view xw-confusion", el);
  const title = element("div", "xw-confusion-title", root);
  const controls = element("div", "xw-confusion-controls", root);
  const toggleLabel = element("label", "xw-confusion-toggle", controls);
  const normalize = element("input", "xw-confusion-normalize", toggleLabel);
  normalize.type = "checkbox";
  element("span", "xw-confusion-toggle-text", toggleLabel).textContent = " row fractions (recall on the diagonal)";
  const thresholdRow = element("div", "xw-confusion-threshold", controls);
  const thresholdName = element("span", "xw-threshold-name", thresholdRow);
  const slider = element("input", "xw-threshold", thresholdRow);
  slider.type = "range";
  slider.min = "0";
  slider.max = "1";
  slider.step = "0.01";
  slider.setAttribute("aria-label", "decision threshold on the score of the positive class");
  const thresholdValue = element("span", "xw-threshold-value", thresholdRow);
  const grid = element("div", "xw-confusion-grid", root);
  const message = element("div", "xw-message xw-error", root);
  let cells: HTMLDivElement[] = [];
  let builtFor = "";
  let decoded: { labels: NDArray | null; predictions: NDArray | null; scores: NDArray | null } | null = null;
  let decodedFrom: unknown[] = [];
  let frame = 0;

  function schedule(): void {
    if (frame === 0) frame = requestAnimationFrame(draw);
  }

  function inputs(): { labels: NDArray | null; predictions: NDArray | null; scores: NDArray | null } {
    const raw = [read("labels"), read("predictions"), read("scores")];
    if (!decoded || raw.some((value, i) => value !== decodedFrom[i])) {
      decodedFrom = raw;
      decoded = {
        labels: decodeWire(raw[0], "labels"),
        predictions: decodeWire(raw[1], "predictions"),
        scores: decodeWire(raw[2], "scores"),
      };
    }
    return decoded;
  }

  function build(names: string[]): void {
    const n = names.length;
    cellListeners.clear();
    for (const child of Array.from(grid.children)) child.remove();
    cells = [];
    grid.style.gridTemplateColumns = `auto auto repeat(${n}, minmax(48px, auto))`;
    grid.style.gridTemplateRows = `auto auto repeat(${n}, minmax(36px, auto))`;
    const corner = element("div", "xw-confusion-corner", grid);
    corner.style.gridColumn = "1 / 3";
    corner.style.gridRow = "1 / 3";
    const predAxis = element("div", "xw-confusion-axis-pred", grid);
    predAxis.textContent = "predicted class";
    predAxis.style.gridColumn = `3 / ${3 + n}`;
    predAxis.style.gridRow = "1";
    const trueAxis = element("div", "xw-confusion-axis-true", grid);
    trueAxis.textContent = "true class";
    trueAxis.style.gridColumn = "1";
    trueAxis.style.gridRow = `3 / ${3 + n}`;
    names.forEach((name, col) => {
      const label = element("div", "xw-confusion-col-label", grid);
      label.textContent = name;
      label.title = name;
      label.style.gridColumn = String(3 + col);
      label.style.gridRow = "2";
    });
    names.forEach((name, row) => {
      const label = element("div", "xw-confusion-row-label", grid);
      label.textContent = name;
      label.title = name;
      label.style.gridColumn = "2";
      label.style.gridRow = String(3 + row);
      for (let col = 0; col < n; col++) {
        const cell = element("div", "xw-confusion-cell", grid);
        cell.dataset.row = String(row);
        cell.dataset.col = String(col);
        cell.style.gridColumn = String(3 + col);
        cell.style.gridRow = String(3 + row);
        cell.setAttribute("role", "button");
        cellListeners.on(cell, "click", () => write("selected_cell", [row, col]));
        cells.push(cell);
      }
    });
    root.dataset.classes = String(n);
  }

  function draw(): void {
    frame = 0;
    const names = read("class_names") ?? [];
    const key = JSON.stringify(names);
    if (key !== builtFor) {
      builtFor = key;
      build(names);
    }
    setText(title, read("title") ?? "");
    const normalized = Boolean(read("normalize"));
    normalize.checked = normalized;
    const problems: string[] = [];
    let counts: Int32Array = new Int32Array(names.length * names.length);
    let binary = false;
    try {
      const { labels, predictions, scores } = inputs();
      binary = scores !== null && names.length === 2;
      const threshold = read("threshold") ?? 0.5;
      if (labels && binary && scores) {
        counts = countConfusion(labels.data, thresholded(scores.data, threshold), names.length);
      } else if (labels && predictions) {
        counts = countConfusion(labels.data, (i) => predictions.data[i], names.length);
      }
      thresholdRow.hidden = !binary;
      if (binary) {
        if (Number(slider.value) !== threshold) slider.value = String(threshold);
        setText(thresholdName, `threshold on P(${names[1]}):`);
        setText(thresholdValue, threshold.toFixed(2));
      }
    } catch (error) {
      problems.push((error as Error).message);
    }
    const n = names.length;
    const fractions = rowFractions(counts, n);
    const selected = read("selected_cell") ?? [];
    cells.forEach((cell, index) => {
      const row = Math.floor(index / n);
      const col = index % n;
      const colours = cellColours(fractions[index]);
      cell.style.background = colours.fill;
      cell.style.color = colours.text;
      setText(cell, cellText(counts[index], fractions[index], normalized));
      cell.dataset.count = String(counts[index]);
      cell.title = `true ${names[row]}, predicted ${names[col]}: ${counts[index]} samples (${(fractions[index] * 100).toFixed(1)}% of the row); click to select them`;
      setClass(cell, "xw-selected", selected.length === 2 && selected[0] === row && selected[1] === col);
    });
    grid.dataset.counts = Array.from(counts).join(",");
    grid.dataset.paintedAt = String(performance.now());
    setText(message, problems.join(" "));
  }

  listeners.on(normalize, "change", () => write("normalize", normalize.checked));
  listeners.on(slider, "input", () => {
    // The model takes the value at once (and sends it to Python, which moves the curves'
    // operating points); the matrix is repainted in this frame from the scores already here.
    write("threshold", Number(slider.value));
    draw();
  });
  const unwatch = watchTraits(model, WATCHED, schedule);
  draw();

  return () => {
    if (frame !== 0) cancelAnimationFrame(frame);
    unwatch();
    listeners.clear();
    cellListeners.clear();
    root.remove();
  };
}
