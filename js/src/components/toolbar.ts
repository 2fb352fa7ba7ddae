/**
 * The editing toolbar: tool buttons (select, paint, erase, rectangle), the fill of erase and
 * rectangle, brush radius and colour, and reset. Each control writes its trait; the view redraws
 * from the trait like any change.
 */
import { element, Listeners, setClass, setText } from "../lib/dom";
import {
  clampRadius,
  EDIT_FILLS,
  EDIT_TOOLS,
  editFill,
  hexToRgb,
  isFill,
  isTool,
  MAX_RADIUS,
  MIN_RADIUS,
  rgbToHex,
  type EditFill,
  type EditOp,
  type EditTool,
} from "../lib/edits";
import { labelled, setValue, slider } from "../lib/form";
import type { ReadTrait, WriteTrait } from "../lib/model";

/** The traits the toolbar shows and writes. */
export interface ToolbarTraits {
  edit_tool: EditTool;
  edit_fill: EditFill;
  brush_radius: number;
  brush_color: number[];
  edits: EditOp[];
}

const TOOL_LABELS: Record<EditTool, [string, string]> = {
  none: ["Select", "Click a pixel to explain it; no editing"],
  paint: ["Paint", "Drag to paint with the brush colour"],
  erase: ["Erase", "Drag to erase: fill the stroke with the chosen fill"],
  rectangle: ["Rectangle", "Drag a box to fill with the chosen fill"],
};

/** Each fill's name in the menu and what it does. */
export const FILL_LABELS: Record<EditFill, [string, string]> = {
  blur: ["blur", "the image blurred: removes shapes, keeps the colours around"],
  mean: ["mean colour", "the image's mean colour"],
  black: ["black (0)", "black, the baseline 0: adds a dark shape of its own"],
};

export class Toolbar {
  readonly root: HTMLDivElement;
  readonly buttons: Record<EditTool, HTMLButtonElement>;
  readonly fill: HTMLSelectElement;
  private readonly fillLabel: HTMLLabelElement;
  readonly radius: HTMLInputElement;
  private readonly radiusValue: HTMLSpanElement;
  readonly colour: HTMLInputElement;
  readonly reset: HTMLButtonElement;

  constructor(parent: HTMLElement, listeners: Listeners, write: WriteTrait<ToolbarTraits>) {
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
    this.fillLabel = labelled(this.root, "xw-edit-fill-control", "fill");
    this.fill = element("select", "xw-edit-fill", this.fillLabel);
    for (const fill of EDIT_FILLS) {
      const option = element("option", "", this.fill);
      option.value = fill;
      [option.textContent, option.title] = FILL_LABELS[fill];
    }
    listeners.on(this.fill, "change", () => {
      if (isFill(this.fill.value)) write("edit_fill", this.fill.value);
    });
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

  sync(read: ReadTrait<ToolbarTraits>): void {
    const tool = read("edit_tool");
    const active = isTool(tool) ? tool : "none";
    for (const name of EDIT_TOOLS) {
      setClass(this.buttons[name], "xw-active", name === active);
      this.buttons[name].setAttribute("aria-pressed", String(name === active));
    }
    const fill = editFill(read("edit_fill"));
    setValue(this.fill, fill);
    this.fill.title = `Erase and rectangle fill with ${FILL_LABELS[fill][1]}`;
    this.root.dataset.fill = fill;
    setClass(this.fillLabel, "xw-active", active === "erase" || active === "rectangle");
    const radius = clampRadius(read("brush_radius"));
    setValue(this.radius, String(radius));
    setText(this.radiusValue, String(radius));
    setValue(this.colour, rgbToHex(read("brush_color")));
    const edits = read("edits");
    this.reset.disabled = !Array.isArray(edits) || edits.length === 0;
  }
}
