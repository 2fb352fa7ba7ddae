/** Labelled form controls (select, range slider) and value updates that skip no-ops. */
import { element } from "./dom";

export function labelled(parent: HTMLElement, className: string, text: string): HTMLLabelElement {
  const label = element("label", `xw-control ${className}`, parent);
  element("span", "xw-control-name", label).textContent = text;
  return label;
}

/** A labelled select of `options`, each shown as `label(value)` (the value itself by default). */
export function select(
  parent: HTMLElement,
  className: string,
  text: string,
  options: readonly string[],
  label: (value: string) => string = (value) => value,
): HTMLSelectElement {
  const control = element("select", className, labelled(parent, `${className}-control`, text));
  for (const value of options) {
    const option = element("option", "", control);
    option.value = value;
    option.textContent = label(value);
  }
  return control;
}

/** A range input and the span that shows its value. */
export function slider(
  parent: HTMLElement,
  className: string,
  text: string,
  range: { min: number; max: number; step: number },
): [HTMLInputElement, HTMLSpanElement] {
  const label = labelled(parent, `${className}-control`, text);
  const input = element("input", className, label);
  input.type = "range";
  input.min = String(range.min);
  input.max = String(range.max);
  input.step = String(range.step);
  const value = element("span", `xw-control-value ${className}-value`, label);
  return [input, value];
}

/** Set a control's value only when it differs, so a redraw does not move a control being dragged. */
export function setValue(control: HTMLInputElement | HTMLSelectElement, value: string): void {
  if (control.value !== value) control.value = value;
}
