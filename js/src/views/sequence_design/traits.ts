/**
 * The sequence_design view's traits (the design panel's drawing: the current best sequences with
 * the motifs found in them, and the logo of the designed sequences), as xai_widgets/widgets
 * DesignCanvas syncs them (a test compares the two).
 */
import type { WireArray } from "../../lib/decode";

/** Python sets every trait; the view writes only its zoom. */
export interface SequenceDesignTraits {
  view: string;
  alphabet: string;
  sequences: WireArray | null;
  row_labels: string[];
  highlights: [number, number, number, string][];
  logo: WireArray | null;
  caption: string;
  zoom: number;
}
