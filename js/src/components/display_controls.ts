/**
 * The display row: display mode (Captum's layouts), colormap, sign filter, clipping, opacity,
 * channel reduction and the mask outline switch. These change only the look and are applied in
 * the browser. Controls that mean nothing in the chosen mode (a colormap or opacity where no
 * colours are painted) are hidden.
 */
import { colormapNames } from "../lib/colormap";
import {
  DEFAULT_DISPLAY_MODE,
  DISPLAY_MODES,
  modeName,
  usesColormap,
  validMode,
  type DisplayMode,
} from "../lib/display_modes";
import { element, Listeners, setText } from "../lib/dom";
import { labelled, select, setValue, slider } from "../lib/form";
import type { ReadTrait, WriteTrait } from "../lib/model";
import { REDUCTIONS, SIGNS } from "../lib/normalize";

/** The traits the controls show and write. */
export interface DisplayControlTraits {
  display_mode: string;
  colormap: string;
  sign: string;
  clip_percentile: number;
  opacity: number;
  reduction: string;
  show_mask: boolean;
}

export const CLIP_RANGE = { min: 90, max: 100, step: 0.1 } as const;

export class DisplayControls {
  readonly root: HTMLDivElement;
  readonly mode: HTMLSelectElement;
  readonly colormap: HTMLSelectElement;
  readonly sign: HTMLSelectElement;
  readonly clip: HTMLInputElement;
  private readonly clipValue: HTMLSpanElement;
  readonly opacity: HTMLInputElement;
  private readonly opacityValue: HTMLSpanElement;
  readonly reduction: HTMLSelectElement;
  readonly showMask: HTMLInputElement;
  private readonly showMaskLabel: HTMLLabelElement;

  constructor(parent: HTMLElement, listeners: Listeners, write: WriteTrait<DisplayControlTraits>) {
    this.root = element("div", "xw-display-controls", parent);
    this.mode = select(this.root, "xw-display-mode", "display", DISPLAY_MODES, (mode) => modeName(mode as DisplayMode));
    this.mode.title = "How the map is shown (Captum's visualize_image_attr layouts); no recomputation";
    listeners.on(this.mode, "change", () => write("display_mode", this.mode.value));
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

  sync(read: ReadTrait<DisplayControlTraits>, hasMask: boolean): void {
    const mode = validMode(read("display_mode") ?? DEFAULT_DISPLAY_MODE);
    setValue(this.mode, mode);
    this.root.dataset.mode = mode;
    const painted = usesColormap(mode);
    setHidden(this.colormap, !painted);
    setHidden(this.opacity, !painted);
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

/** Hide a control together with its label. */
function setHidden(control: HTMLElement, hidden: boolean): void {
  const label = control.parentElement;
  if (label && label.hidden !== hidden) label.hidden = hidden;
}
