/** The small base picker: one button per letter of the alphabet, shown over the clicked base. */
import { element, Listeners, setClass } from "../../lib/dom";
import { baseColour } from "../../lib/sequence";

export class BasePicker {
  readonly root: HTMLDivElement;
  private position = -1;
  private buttons: HTMLButtonElement[] = [];
  private alphabet = "";

  constructor(
    parent: HTMLElement,
    private readonly listeners: Listeners,
    private readonly onPick: (position: number, base: string) => void,
  ) {
    this.root = element("div", "xw-base-picker", parent);
    this.root.setAttribute("role", "dialog");
    this.root.hidden = true;
  }

  /** Show the picker for `position` (whose base is `current`) at CSS (x, y) inside its parent. */
  open(position: number, current: string, alphabet: string, x: number, y: number): void {
    this.build(alphabet);
    this.position = position;
    this.root.dataset.position = String(position);
    this.root.setAttribute("aria-label", `Change base ${position + 1} (now ${current})`);
    for (const button of this.buttons) setClass(button, "xw-current", button.dataset.base === current);
    this.root.style.left = `${Math.max(0, x)}px`;
    this.root.style.top = `${Math.max(0, y)}px`;
    this.root.hidden = false;
  }

  close(): void {
    this.root.hidden = true;
    this.position = -1;
  }

  get isOpen(): boolean {
    return !this.root.hidden;
  }

  private build(alphabet: string): void {
    if (alphabet === this.alphabet) return;
    this.alphabet = alphabet;
    for (const button of this.buttons) {
      this.listeners.forget(button);
      button.remove();
    }
    this.buttons = Array.from(alphabet, (base) => {
      const button = element("button", "xw-base-option", this.root);
      button.type = "button";
      button.textContent = base;
      button.dataset.base = base;
      button.style.color = baseColour(base);
      button.title = `set this base to ${base} (or press ${base})`;
      this.listeners.on<MouseEvent>(button, "click", (event) => {
        event.stopPropagation();
        const position = this.position;
        this.close();
        if (position >= 0) this.onPick(position, base);
      });
      return button;
    });
  }
}
