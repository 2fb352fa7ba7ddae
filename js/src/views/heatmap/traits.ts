/** The HeatmapView's traits, as xai_widgets/widgets HeatmapView syncs them (a test compares the two). */
import type { WireArray } from "../../lib/decode";

/** Python sets every trait; the view writes only `clicked_pixel`. */
export interface HeatmapTraits {
  view: string;
  image: WireArray | null;
  attribution: WireArray | null;
  mask: WireArray | null;
  display_mode: string;
  colormap: string;
  show_mask: boolean;
  show_controls: boolean;
  title: string;
  units: string;
  sign: string;
  clip_percentile: number;
  opacity: number;
  reduction: string;
  display_size: number;
  clicked_pixel: number[];
  status: string;
  error: string;
  elapsed_ms: number;
}
