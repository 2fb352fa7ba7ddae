/** A view's computation status in one line: computing, the error, or how long the last result took. */
import { element, setText } from "../lib/dom";
import { formatDuration } from "../lib/format";

export class StatusLine {
  readonly root: HTMLDivElement;

  constructor(parent: HTMLElement) {
    this.root = element("div", "xw-status", parent);
  }

  /** Hidden when the model has no `status` trait. */
  update(status: string | undefined, error: string | undefined, elapsedMs: number | undefined): void {
    this.root.hidden = status === undefined;
    if (status === undefined) return;
    this.root.dataset.status = status;
    let text = "";
    if (status === "error") text = `Error: ${error || "unknown error"}`;
    else if (status === "computing") text = "Computing…";
    else if (typeof elapsedMs === "number" && elapsedMs > 0) text = `Computed in ${formatDuration(elapsedMs)}`;
    setText(this.root, text);
  }
}
