/**
 * Small DOM helpers: element creation, text and class updates that skip no-ops, and listener
 * bookkeeping, so every part can remove exactly the listeners it added.
 */

export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  parent?: HTMLElement,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  parent?.appendChild(node);
  return node;
}

export function setClass(node: HTMLElement, name: string, on: boolean): void {
  if (on) node.classList.add(name);
  else node.classList.remove(name);
}

/** Set text only when it changed, so a redraw does not churn the DOM. */
export function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

type Handler = (event: any) => void;

/** Listeners added through `on`, removed together by `clear` (or per element by `forget`). */
export class Listeners {
  private entries: [HTMLElement, string, Handler][] = [];

  on<E extends Event = Event>(target: HTMLElement, type: string, handler: (event: E) => void): void {
    target.addEventListener(type, handler as EventListener);
    this.entries.push([target, type, handler]);
  }

  forget(target: HTMLElement): void {
    this.entries = this.entries.filter(([node, type, handler]) => {
      if (node !== target) return true;
      node.removeEventListener(type, handler);
      return false;
    });
  }

  clear(): void {
    for (const [node, type, handler] of this.entries) node.removeEventListener(type, handler);
    this.entries = [];
  }
}
