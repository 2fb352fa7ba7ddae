/**
 * The display settings every heatmap applies in the browser (colormap, sign, clipping,
 * reduction, opacity, display mode), and what a setting resolves to for a signed or an unsigned map.
 */
import { hasColormap } from "./colormap";
import { REDUCTIONS, SIGNS, type Reduction, type Sign } from "./normalize";

/** The look of a heatmap, as the display traits give it (unvalidated). */
export interface DisplaySettings {
  colormap: string;
  sign: string;
  clipPercentile: number;
  reduction: string;
  opacity: number;
  /** One of display_modes.DISPLAY_MODES; missing or unknown: "heat_map". */
  mode?: string;
}

/** The colormaps "auto" (or an unknown name) picks: zero-centred for signed maps, dark-to-bright for magnitudes. */
export const AUTO_DIVERGING = "RdBu_r";
export const AUTO_SEQUENTIAL = "inferno";

/** The colormap a map is painted with: a known name as given, else the automatic choice. */
export function resolveColormap(name: string | undefined, signed: boolean): string {
  if (name !== undefined && name !== "auto" && hasColormap(name)) return name;
  return signed ? AUTO_DIVERGING : AUTO_SEQUENTIAL;
}

/**
 * The sign filter a map is normalized with. An unsigned map shown with "all" is shown as
 * magnitudes, so a sequential map spans its whole range instead of starting at its middle.
 */
export function effectiveSign(sign: string | undefined, signed: boolean): Sign {
  const chosen = SIGNS.includes(sign as Sign) ? (sign as Sign) : "all";
  return chosen === "all" && !signed ? "absolute" : chosen;
}

export function validReduction(value: string | undefined): Reduction {
  return REDUCTIONS.includes(value as Reduction) ? (value as Reduction) : "sum";
}
