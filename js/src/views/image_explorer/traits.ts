/**
 * The image_explorer view's traits, as xai_widgets/widgets ExplorerCanvas syncs them (a test
 * compares the two), and the shape of one `panels` entry.
 */
import type { SampleLabel } from "../../components/gallery_labels";
import type { WireArray } from "../../lib/decode";
import type { EditFill, EditOp, EditTool } from "../../lib/edits";

export type PanelStatus = "idle" | "computing" | "error";

/** One entry of the `panels` trait; an errored method's entry has no `values`. */
export interface PanelEntry {
  /** float16 (C, H, W); C may be 1. */
  values?: WireArray;
  signed?: boolean;
  status?: PanelStatus | string;
  error?: string;
  elapsed_ms?: number;
  target?: number;
  delta?: number | null;
  /** The explained class's name, and what the values measure ("attribution", "|gradient|" ...). */
  target_name?: string;
  units?: string;
}

/** Python sets every trait; the view writes user intent (selection, pixel, edits, tools, display). */
export interface ExplorerTraits {
  view: string;
  samples: WireArray | null;
  sample_labels: SampleLabel[];
  sample_index: number;
  /** The samples the gallery shows (a selection from a linked view); empty: all. */
  shown_samples: number[];
  image: WireArray | null;
  mask: WireArray | null;
  show_mask: boolean;
  enabled_methods: string[];
  panels: Record<string, PanelEntry>;
  target: number;
  target_label: string;
  clicked_pixel: number[];
  edits: EditOp[];
  edit_tool: EditTool;
  edit_fill: EditFill;
  brush_radius: number;
  brush_color: number[];
  display_mode: string;
  colormap: string;
  sign: string;
  clip_percentile: number;
  opacity: number;
  reduction: string;
  display_size: number;
  status: string;
  error: string;
}
