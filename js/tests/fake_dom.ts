/**
 * Just enough of a browser (elements, a recording 2D context, ImageData, animation frames)
 * and of an anywidget model to run a view's wiring in node, without a canvas implementation.
 */
import { vi } from "vitest";

type Listener = (event: any) => void;

export interface CanvasCall {
  name: string;
  args: unknown[];
}

export class FakeImageData {
  data: Uint8ClampedArray;
  constructor(
    public width: number,
    public height: number,
  ) {
    this.data = new Uint8ClampedArray(width * height * 4);
  }
}

export class FakeElement {
  children: FakeElement[] = [];
  parent: FakeElement | null = null;
  className = "";
  textContent = "";
  hidden = false;
  tabIndex = -1;
  dataset: Record<string, string> = {};
  style: Record<string, string> = {};
  attributes: Record<string, string> = {};
  listeners = new Map<string, Set<Listener>>();
  classList = {
    add: (name: string) => {
      if (!this.className.split(" ").includes(name)) this.className = `${this.className} ${name}`.trim();
    },
    remove: (name: string) => {
      this.className = this.className
        .split(" ")
        .filter((c) => c && c !== name)
        .join(" ");
    },
  };
  // Canvas parts, used when tagName is "canvas".
  width = 300;
  height = 150;
  calls: CanvasCall[] = [];
  rect = { left: 0, top: 0, width: 0, height: 0 };

  constructor(public tagName: string) {}

  get parentElement(): FakeElement | null {
    return this.parent;
  }

  appendChild(child: FakeElement): FakeElement {
    child.parent = this;
    this.children.push(child);
    return child;
  }
  remove(): void {
    if (this.parent) this.parent.children = this.parent.children.filter((c) => c !== this);
    this.parent = null;
  }
  setAttribute(name: string, value: string): void {
    this.attributes[name] = value;
  }
  addEventListener(type: string, listener: Listener): void {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(listener);
  }
  removeEventListener(type: string, listener: Listener): void {
    this.listeners.get(type)?.delete(listener);
  }
  dispatch(type: string, event: Record<string, unknown> = {}): void {
    for (const listener of this.listeners.get(type) ?? []) listener({ preventDefault() {}, ...event });
  }
  listenerCount(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }
  getBoundingClientRect() {
    return this.rect;
  }
  /** Every element below this one, depth first. */
  all(): FakeElement[] {
    return this.children.flatMap((c) => [c, ...c.all()]);
  }
  find(className: string): FakeElement {
    const found = this.all().find((e) => e.className.split(" ").includes(className));
    if (!found) throw new Error(`no element .${className}`);
    return found;
  }
  getContext(kind: string) {
    if (this.tagName !== "canvas" || kind !== "2d") return null;
    const canvas = this;
    const record =
      (name: string) =>
      (...args: unknown[]) => {
        canvas.calls.push({ name, args });
      };
    return new Proxy(
      { canvas, imageSmoothingEnabled: true } as Record<string | symbol, unknown>,
      {
        get(target, key) {
          if (key in target) return target[key];
          return record(String(key));
        },
        set(target, key, value) {
          target[key] = value;
          canvas.calls.push({ name: `set ${String(key)}`, args: [value] });
          return true;
        },
      },
    );
  }
}

/** Install the fake globals; returns the created elements and a way to run queued frames. */
export function installFakeDom() {
  const created: FakeElement[] = [];
  let frames: (() => void)[] = [];
  vi.stubGlobal("document", {
    createElement: (tag: string) => {
      const element = new FakeElement(tag);
      created.push(element);
      return element;
    },
  });
  vi.stubGlobal("window", { devicePixelRatio: 2 });
  vi.stubGlobal("ImageData", FakeImageData);
  vi.stubGlobal("requestAnimationFrame", (callback: () => void) => {
    frames.push(callback);
    return frames.length;
  });
  vi.stubGlobal("cancelAnimationFrame", () => {
    frames = [];
  });
  return {
    created,
    flushFrames() {
      const pending = frames;
      frames = [];
      pending.forEach((f) => f());
    },
    pendingFrames: () => frames.length,
  };
}

/** A model like anywidget's: get/set/on/off, and `change:<name>` fired on set. */
export class FakeModel {
  listeners = new Map<string, Set<() => void>>();
  saves = 0;
  constructor(public state: Record<string, unknown>) {}
  get(key: string): any {
    return this.state[key];
  }
  set(key: string, value: unknown): void {
    this.state[key] = value;
    for (const listener of this.listeners.get(`change:${key}`) ?? []) listener();
  }
  on(event: string, callback: () => void): void {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)!.add(callback);
  }
  off(event: string, callback: () => void): void {
    this.listeners.get(event)?.delete(callback);
  }
  save_changes(): void {
    this.saves++;
  }
  listenerCount(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }
}
