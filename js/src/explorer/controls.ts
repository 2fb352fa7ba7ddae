/**
 * The explorer's two control rows: editing tools (tool, brush radius and colour, reset) and
 * display settings (colormap, sign, clipping, opacity, channel reduction, mask outline).
 * Each control writes its trait; the view redraws from the trait, like any other change.
 */
import { colormapNames } from "../colormap";
import { REDUCTIONS, SIGNS } from "../normalize";
import { element, Listeners, setClass, setText } from "./dom";
import { clampRadius, hexToRgb, MAX_RADIUS, MIN_RADIUS, rgbToHex } from "./editing";
import { EDIT_TOOLS, isTool, type EditTool, type ExplorerTraits } from "./state";

/** Writes one trait and saves it (the explorer's model). */
export type WriteTrait = <K extends keyof ExplorerTraits>(name: K, value: ExplorerTraits[K]) => void;
export type ReadTrait = <K extends keyof ExplorerTraits>(name: K) => ExplorerTraits[K] | undefined;

export const CLIP_RANGE = { min: 90, max: 100, step: 0.1 } as const;

const TOOL_LABELS: Record<EditTool, [string, string]> = {
  none: ["Select", "Click a pixel to explain it; no editing"],
  paint: ["Paint", "Drag to paint with the brush colour"],
  erase: ["Erase", "Drag to erase to the baseline (0)"],
  rectangle: ["Rectangle", "Drag a box to fill with the baseline (0)"],
};

function labelled(parent: HTMLElement, className: string, text: string): HTMLLabelElement {
  const label = element("label", `xw-control ${className}`, parent);
  element("span", "xw-control-name", label).textContent = text;
  return label;
}

function select(parent: HTMLElement, className: string, text: string, options: readonly string[]): HTMLSelectElement {
  const control = element("select", className, labelled(parent, `${className}-control`, text));
  for (const value of options) {
    const option = element("option", "", control);
    option.value = value;
    option.textContent = value;
  }
  return control;
}

function slider(
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

function setValue(control: HTMLInputElement | HTMLSelectElement, value: string): void {
  if (control.value !== value) control.value = value;
}

export class Toolbar {
  readonly root: HTMLDivElement;
  readonly buttons: Record<EditTool, HTMLButtonElement>;
  readonly radius: HTMLInputElement;
  private readonly radiusValue: HTMLSpanElement;
  readonly colour: HTMLInputElement;
  readonly reset: HTMLButtonElement;

  constructor(parent: HTMLElement, listeners: Listeners, write: WriteTrait) {
    this.root = element("div", "xw-toolbar", parent);
    this.root.setAttribute("role", "toolbar");
    this.root.setAttribute("aria-label", "Editing tools");
    const group = element("div", "xw-tools", this.root);
    this.buttons = {} as Record<EditTool, HTMLButtonElement>;
    for (const tool of EDIT_TOOLS) {
      const button = element("button", "xw-tool", group);
      button.type = "button";
      button.dataset.tool = tool;
      [button.textContent, button.title] = TOOL_LABELS[tool];
      listeners.on(button, "click", () => write("edit_tool", tool));
      this.buttons[tool] = button;
    }
    [this.radius, this.radiusValue] = slider(this.root, "xw-brush-radius", "radius", { min: MIN_RADIUS, max: MAX_RADIUS, step: 1 });
    listeners.on(this.radius, "input", () => write("brush_radius", clampRadius(this.radius.value)));
    const colourLabel = labelled(this.root, "xw-brush-color-control", "colour");
    this.colour = element("input", "xw-brush-color", colourLabel);
    this.colour.type = "color";
    listeners.on(this.colour, "input", () => {
      const rgb = hexToRgb(this.colour.value);
      if (rgb) write("brush_color", rgb);
    });
    this.reset = element("button", "xw-reset", this.root);
    this.reset.type = "button";
    this.reset.textContent = "Reset edits";
    this.reset.title = "Undo every edit: back to the original image";
    listeners.on(this.reset, "click", () => write("edits", []));
  }

  sync(read: ReadTrait): void {
    const tool = read("edit_tool");
    const active = isTool(tool) ? tool : "none";
    for (const name of EDIT_TOOLS) {
      setClass(this.buttons[name], "xw-active", name === active);
      this.buttons[name].setAttribute("aria-pressed", String(name === active));
    }
    const radius = clampRadius(read("brush_radius"));
    setValue(this.radius, String(radius));
    setText(this.radiusValue, String(radius));
    setValue(this.colour, rgbToHex(read("brush_color")));
    const edits = read("edits");
    this.reset.disabled = !Array.isArray(edits) || edits.length === 0;
  }
}

export class DisplayControls {
  readonly root: HTMLDivElement;
  readonly colormap: HTMLSelectElement;
  readonly sign: HTMLSelectElement;
  readonly clip: HTMLInputElement;
  private readonly clipValue: HTMLSpanElement;
  readonly opacity: HTMLInputElement;
  private readonly opacityValue: HTMLSpanElement;
  readonly reduction: HTMLSelectElement;
  readonly showMask: HTMLInputElement;
  private readonly showMaskLabel: HTMLLabelElement;

  constructor(parent: HTMLElement, listeners: Listeners, write: WriteTrait) {
    this.root = element("div", "xw-display-controls", parent);
    this.colormap = select(this.root, "xw-colormap", "colormap", ["auto", ...colormapNames()]);
    listeners.on(this.colormap, "change", () => write("colormap", this.colormap.value));
    this.sign = select(this.root, "xw-sign", "sign", SIGNS);
    listeners.on(this.sign, "change", () => write("sign", this.sign.value));
    [this.clip, this.clipValue] = slider(this.root, "xw-clip", "clip %", CLIP_RANGE);
    listeners.on(this.clip, "input", () => {
      const value = Number(this.clip.value);
      if (Number.isFinite(value)) write("clip_percentile", value);
    });
    [this.opacity, this.opacityValue] = slider(this.root, "xw-opacity", "opacity", { min: 0, max: 1, step: 0.05 });
    listeners.on(this.opacity, "input", () => {
      const value = Number(this.opacity.value);
      if (Number.isFinite(value)) write("opacity", value);
    });
    this.reduction = select(this.root, "xw-reduction", "channels", REDUCTIONS);
    listeners.on(this.reduction, "change", () => write("reduction", this.reduction.value));
    this.showMaskLabel = labelled(this.root, "xw-show-mask-control", "mask");
    this.showMask = element("input", "xw-show-mask", this.showMaskLabel);
    this.showMask.type = "checkbox";
    listeners.on(this.showMask, "change", () => write("show_mask", this.showMask.checked));
  }

  sync(read: ReadTrait, hasMask: boolean): void {
    setValue(this.colormap, read("colormap") ?? "auto");
    setValue(this.sign, read("sign") ?? "all");
    const clip = read("clip_percentile") ?? 99.5;
    setValue(this.clip, String(clip));
    setText(this.clipValue, String(clip));
    const opacity = read("opacity") ?? 0.7;
    setValue(this.opacity, String(opacity));
    setText(this.opacityValue, `${Math.round(opacity * 100)}%`);
    setValue(this.reduction, read("reduction") ?? "sum");
    this.showMaskLabel.hidden = !hasMask;
    const show = read("show_mask") ?? true;
    if (this.showMask.checked !== show) this.showMask.checked = show;
  }
}
