/** What the gallery says about a sample (predicted label, truth when wrong, a mark) and how keys move its selection. */

/** One entry of a `sample_labels` trait. */
export interface SampleLabel {
  true?: string | null;
  predicted?: string;
  correct?: boolean | null;
}

export type Correctness = "correct" | "wrong" | "unknown";

export interface GalleryLabel {
  correctness: Correctness;
  /** ✓, ✗ or nothing when the true label is unknown. */
  mark: string;
  predicted: string;
  /** The true label, shown only when the prediction is wrong. */
  truth: string;
  /** The whole story, for a tooltip and screen readers. */
  description: string;
}

export function galleryLabel(label: SampleLabel | undefined, index: number): GalleryLabel {
  const predicted = label?.predicted ?? "";
  const truth = label?.true ?? null;
  let correct = label?.correct;
  if (correct === undefined || correct === null) correct = truth !== null && predicted !== "" ? truth === predicted : null;
  const correctness: Correctness = correct === null ? "unknown" : correct ? "correct" : "wrong";
  const mark = correctness === "correct" ? "✓" : correctness === "wrong" ? "✗" : "";
  const parts = [`sample ${index}`];
  if (predicted) parts.push(`predicted ${predicted}`);
  if (truth !== null) parts.push(`true ${truth}`);
  if (correctness !== "unknown") parts.push(correctness);
  return { correctness, mark, predicted, truth: correctness === "wrong" && truth !== null ? truth : "", description: parts.join(", ") };
}

/** The gallery selection after a key press, or null for a key that does not move it. */
export function stepIndex(index: number, key: string, count: number): number | null {
  if (count <= 0) return null;
  const current = Number.isInteger(index) ? Math.min(count - 1, Math.max(0, index)) : 0;
  switch (key) {
    case "ArrowLeft":
    case "ArrowUp":
      return Math.max(0, current - 1);
    case "ArrowRight":
    case "ArrowDown":
      return Math.min(count - 1, current + 1);
    case "Home":
      return 0;
    case "End":
      return count - 1;
    default:
      return null;
  }
}
