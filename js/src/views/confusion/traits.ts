/**
 * The confusion view's traits, as xai_widgets/widgets ConfusionCanvas syncs them (a test compares
 * the two).
 */
import type { WireArray } from "../../lib/decode";

/** Python sets the data; the view writes user intent (threshold, normalise, the clicked cell). */
export interface ConfusionTraits {
  view: string;
  class_names: string[];
  /** float32 (N,): each sample's true class. */
  labels: WireArray | null;
  /** float32 (N,): each sample's predicted class (multi-class models). */
  predictions: WireArray | null;
  /** float32 (N,): each sample's score for class 1 (binary models; empty otherwise). */
  scores: WireArray | null;
  threshold: number;
  normalize: boolean;
  selected_cell: number[];
  title: string;
}
