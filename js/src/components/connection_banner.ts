/**
 * The "disconnected" banner. A view drawn from a notebook's saved widget state has no live
 * comm: Python cannot hear a click, so nothing would recompute. The Jupyter widgets manager marks
 * such a view's element with `jupyter-widgets-disconnected` (ipywidgets 8, from the model's
 * `comm_live`, re-marked on `comm_live_update`); this banner says so in words, marks the view
 * `data-disconnected`, and stops user input from being silently swallowed. The manager marks a
 * live view the same way when its kernel restarts or dies and is restarted (JupyterLab 4,
 * jupyterlab_widgets 3.0.17; tests/browser/test_kernel_restart.py).
 */
import type { AnyModel } from "@anywidget/types";
import { element, setText } from "../lib/dom";

/** The class the widget manager puts on a view's element while its model has no live comm. */
export const DISCONNECTED_CLASS = "jupyter-widgets-disconnected";
export const DISCONNECTED_TEXT = "Disconnected from the kernel: run the notebook's cells to recompute.";
/** Input that would change state; while disconnected it is stopped and the banner flashes. */
const BLOCKED_EVENTS = ["click", "pointerdown", "mousedown", "keydown", "change", "input", "wheel"] as const;

/** Whether `host` (the element the widget manager gave the view) or an ancestor is marked disconnected. */
export function isDisconnected(host: HTMLElement): boolean {
  for (let node: HTMLElement | null = host; node; node = node.parentElement) {
    if (String(node.className).split(/\s+/).includes(DISCONNECTED_CLASS)) return true;
  }
  return false;
}

export class ConnectionBanner {
  readonly banner: HTMLDivElement;
  private readonly observer: MutationObserver | null;
  private readonly block = (event: Event): void => {
    if (!this.disconnected || (typeof Node !== "undefined" && event.target instanceof Node && this.banner.contains(event.target))) return;
    if (event.type === "wheel") return;
    event.preventDefault();
    event.stopPropagation();
    this.banner.classList.remove("xw-flash");
    void this.banner.offsetWidth; // restart the flash animation
    this.banner.classList.add("xw-flash");
  };

  /**
   * `root` is the view's own element (build the banner before its other parts, so it comes
   * first), `host` the widget manager's; `model` reports `comm_live_update` when the comm comes
   * or goes (the manager re-marks `host` on the same event).
   */
  constructor(
    private readonly root: HTMLElement,
    private readonly host: HTMLElement,
    private readonly model: Pick<AnyModel, "on" | "off">,
  ) {
    this.banner = element("div", "xw-disconnected-banner", root);
    this.banner.setAttribute("role", "status");
    this.model.on("comm_live_update" as never, this.update);
    for (const type of BLOCKED_EVENTS) root.addEventListener(type, this.block, true);
    this.observer = typeof MutationObserver === "undefined" ? null : new MutationObserver(() => this.update());
    // The class may be set on the host or on a wrapper above it.
    for (let node: HTMLElement | null = host; node && this.observer; node = node.parentElement) {
      this.observer.observe(node, { attributes: true, attributeFilter: ["class"] });
      if (node === document.body) break;
    }
    this.update();
  }

  get disconnected(): boolean {
    return this.root.dataset.disconnected === "true";
  }

  readonly update = (): void => {
    const off = isDisconnected(this.host);
    this.root.dataset.disconnected = String(off);
    this.banner.hidden = !off;
    setText(this.banner, off ? DISCONNECTED_TEXT : "");
  };

  destroy(): void {
    this.observer?.disconnect();
    this.model.off("comm_live_update" as never, this.update);
    for (const type of BLOCKED_EVENTS) this.root.removeEventListener(type, this.block, true);
    this.banner.remove();
  }
}
