/** The explorer's header: the target explained, the overall status, and Python's last error. */
import { element, setText } from "../../lib/dom";
import type { ReadTrait } from "../../lib/model";
import type { ExplorerTraits } from "./traits";

export class ExplorerHeader {
  private readonly target: HTMLSpanElement;
  private readonly status: HTMLSpanElement;
  private readonly error: HTMLDivElement;

  constructor(parent: HTMLElement) {
    const header = element("div", "xw-explorer-header", parent);
    this.target = element("span", "xw-target-label", header);
    this.status = element("span", "xw-explorer-status", header);
    this.status.setAttribute("aria-live", "polite");
    this.error = element("div", "xw-explorer-error", parent);
    this.error.setAttribute("role", "alert");
  }

  update(read: ReadTrait<ExplorerTraits>): void {
    const target = read("target_label") ?? "";
    setText(this.target, target ? `target: ${target}` : "");
    this.target.hidden = !target;
    const status = read("status") ?? "idle";
    this.status.dataset.status = status;
    setText(this.status, status === "computing" ? "computing…" : status === "error" ? "error" : "");
    const error = read("error") ?? "";
    setText(this.error, error);
    this.error.hidden = !error;
  }
}
