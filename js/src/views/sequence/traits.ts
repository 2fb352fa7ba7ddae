/**
 * The sequence view's traits, as xai_widgets/widgets SequenceCanvas syncs them (a test compares
 * the two), and the shapes of a row and of a map entry.
 */
import type { WireArray } from "../../lib/decode";
import type { BaseEdit } from "../../lib/sequence";

/** One of the top-k rows: which sample it is, its label and output, its known sites. */
export interface RowInfo {
  index: number;
  /** The true label's name, or null when labels are unknown. */
  label: string | null;
  /** The model's output for the explained class, and how it reads ("p=0.97"). */
  output: number;
  output_text: string;
  /** Known sites as [start, end, strand]; null when sites are unknown. */
  sites: [number, number, string][] | null;
}

/** One map of the open sequence: per-base scores (L,) for a logo, or an (A, L) matrix for the heat map. */
export interface MapEntry {
  values?: WireArray;
  status?: string;
  error?: string;
  elapsed_ms?: number;
  /** What the values measure ("attribution", "Δ output"). */
  units?: string;
}

/** Python sets every trait; the view writes user intent (open row, edits, look). */
export interface SequenceTraits {
  view: string;
  alphabet: string;
  rows: WireArray | null;
  row_info: RowInfo[];
  row_scores: Record<string, WireArray>;
  row_method: string;
  enabled_methods: string[];
  selected: number;
  reference: WireArray | null;
  sequence: WireArray | null;
  edits: BaseEdit[];
  output_label: string;
  target_label: string;
  maps: Record<string, MapEntry>;
  mutagenesis: MapEntry;
  display_mode: string;
  zoom: number;
  colormap: string;
  status: string;
  error: string;
}
