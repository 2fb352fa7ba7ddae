import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import widget, { VIEWS } from "../../../src/index";
import { renderHeatmap } from "../../../src/views/heatmap/render";
import { FakeElement, FakeModel, installFakeDom, type FakeImageData } from "../../fake_dom";
import { wire } from "../../wire";

/** float32 values as a DataView that starts 8 bytes into its buffer, as traits can. */
function float32View(values: number[]): DataView {
  const buffer = new ArrayBuffer(8 + values.length * 4);
  new Float32Array(buffer, 8).set(values);
  return new DataView(buffer, 8, values.length * 4);
}

// A 4x4 mid-grey image and a 4x4 attribution that is 0 except +2 at (1, 2) and -2 at (3, 0).
function traits(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const attribution = new Array(16).fill(0);
  attribution[1 * 4 + 2] = 2;
  attribution[3 * 4 + 0] = -2;
  return {
    view: "heatmap",
    image: wire(float32View(new Array(48).fill(0.5)), "float32", [3, 4, 4]),
    attribution: wire(float32View(attribution), "float32", [1, 4, 4]),
    colormap: "bwr",
    sign: "all",
    clip_percentile: 100,
    opacity: 1,
    reduction: "sum",
    clicked_pixel: [],
    ...overrides,
  };
}

let dom: ReturnType<typeof installFakeDom>;

beforeEach(() => {
  dom = installFakeDom();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

function mount(state: Record<string, unknown>) {
  const model = new FakeModel(state);
  const el = new FakeElement("div");
  const cleanup = renderHeatmap({ model: model as never, el: el as unknown as HTMLElement });
  const canvas = el.find("xw-canvas");
  canvas.rect = { left: 10, top: 20, width: 256, height: 256 };
  return { model, el, cleanup, canvas };
}

/** The pixels last painted into an offscreen source canvas, i.e. the composite. */
function lastComposite(el: FakeElement): FakeImageData {
  const inTree = new Set(el.all());
  const sources = dom.created.filter((e) => e.tagName === "canvas" && !inTree.has(e));
  const call = sources.flatMap((s) => s.calls).filter((c) => c.name === "putImageData").pop();
  if (!call) throw new Error("nothing was painted");
  return call.args[0] as FakeImageData;
}

function rgbaAt(image: FakeImageData, row: number, col: number): number[] {
  const i = 4 * (row * image.width + col);
  return Array.from(image.data.subarray(i, i + 4));
}

describe("HeatmapView", () => {
  it("paints the attribution over the image at the chosen opacity", () => {
    const { model, el, canvas } = mount(traits());
    expect(canvas.hidden).toBe(false);
    expect(canvas.style.width).toBe("256px");
    expect([canvas.width, canvas.height]).toEqual([512, 512]); // devicePixelRatio 2
    let composite = lastComposite(el);
    expect([composite.width, composite.height]).toEqual([4, 4]);
    expect(rgbaAt(composite, 1, 2)).toEqual([255, 0, 0, 255]);
    expect(rgbaAt(composite, 3, 0)).toEqual([0, 0, 255, 255]);
    expect(Math.min(...rgbaAt(composite, 0, 0))).toBeGreaterThanOrEqual(250);

    model.set("opacity", 0);
    dom.flushFrames();
    composite = lastComposite(el);
    expect(rgbaAt(composite, 1, 2)).toEqual([128, 128, 128, 255]);

    model.set("opacity", 0.5);
    model.set("sign", "positive");
    dom.flushFrames();
    composite = lastComposite(el);
    expect(rgbaAt(composite, 1, 2)).toEqual([192, 64, 64, 255]);
    // The negative pixel is filtered out: white (zero on bwr) over grey.
    expect(rgbaAt(composite, 3, 0)).toEqual([192, 192, 192, 255]);
    expect(el.find("xw-colorbar-labels").children.map((c) => c.textContent)).toEqual(["0", "", "2"]);
  });

  it("writes the clicked cell to clicked_pixel and draws a crosshair", () => {
    const { model, canvas } = mount(traits());
    expect(canvas.calls.some((c) => c.name === "stroke")).toBe(false);
    // Centre of cell (1, 2) on a 256 px display at (10, 20): each cell is 64 px.
    canvas.dispatch("click", { clientX: 10 + 2.5 * 64, clientY: 20 + 1.5 * 64 });
    expect(model.state.clicked_pixel).toEqual([1, 2]);
    expect(model.saves).toBe(1);
    dom.flushFrames();
    expect(canvas.calls.some((c) => c.name === "stroke")).toBe(true);
    canvas.dispatch("click", { clientX: 5, clientY: 30 }); // left of the canvas
    expect(model.saves).toBe(1);
    canvas.dispatch("keydown", { key: "ArrowRight" });
    expect(model.state.clicked_pixel).toEqual([1, 3]);
    canvas.dispatch("keydown", { key: "ArrowRight" });
    expect(model.state.clicked_pixel).toEqual([1, 3]); // clamped at the last column
    canvas.dispatch("keydown", { key: "ArrowUp" });
    expect(model.state.clicked_pixel).toEqual([0, 3]);
  });

  it("shows the raw attribution under the pointer", () => {
    const { el, canvas } = mount(traits());
    canvas.dispatch("mousemove", { clientX: 10 + 2.5 * 64, clientY: 20 + 1.5 * 64 });
    expect(el.find("xw-readout").textContent).toBe("row 1, col 2: 2");
    canvas.dispatch("mouseleave");
    expect(el.find("xw-readout").textContent).toBe("");
  });

  it("coalesces a burst of changes into one redraw", () => {
    const { model } = mount(traits());
    model.set("colormap", "viridis");
    model.set("clip_percentile", 99);
    model.set("reduction", "abs_sum");
    expect(dom.pendingFrames()).toBe(1);
  });

  it("shows a clear error for a shape that does not match the bytes, and recovers", () => {
    const { model, el, canvas } = mount(traits());
    const attribution = model.state.attribution as ReturnType<typeof wire>;
    model.set("attribution", { ...attribution, shape: [1, 2, 2] });
    dom.flushFrames();
    expect(el.find("xw-message").textContent).toMatch(/^attribution: .*needs 16 bytes/);
    expect(canvas.hidden).toBe(true);
    model.set("attribution", { ...attribution, shape: [4, 4] });
    dom.flushFrames();
    expect(el.find("xw-message").textContent).toBe("");
    expect(canvas.hidden).toBe(false);
  });

  it("stretches a coarser attribution over the image grid and shows either alone", () => {
    const coarse = traits({ attribution: wire(float32View([1, 0, 0, -1]), "float32", [2, 2]) });
    const { el } = mount(coarse);
    const composite = lastComposite(el);
    expect([composite.width, composite.height]).toEqual([4, 4]);
    expect(rgbaAt(composite, 1, 1)).toEqual([255, 0, 0, 255]);
    expect(rgbaAt(composite, 3, 3)).toEqual([0, 0, 255, 255]);

    const imageOnly = mount(traits({ attribution: wire(new DataView(new ArrayBuffer(0)), "float32", [0]), opacity: 1 }));
    expect(rgbaAt(lastComposite(imageOnly.el), 0, 0)).toEqual([128, 128, 128, 255]);
    expect(imageOnly.el.find("xw-colorbar").hidden).toBe(true);

    const nothing = mount(traits({ attribution: null, image: null }));
    expect(nothing.el.find("xw-message").textContent).toBe("Nothing to show yet.");
    expect(nothing.canvas.hidden).toBe(true);
  });

  it("outlines a mask when one is given", () => {
    const mask = new Uint8Array(16);
    mask[5] = 1;
    const { canvas, model, el } = mount(traits({ mask: wire(new DataView(mask.buffer), "uint8", [4, 4]) }));
    // One cell: four edges, each one moveTo and lineTo, scaled to the 512 px backing store.
    const moves = canvas.calls.filter((c) => c.name === "moveTo").map((c) => c.args);
    expect(moves).toContainEqual([128, 128]);
    expect(moves).toHaveLength(4);
    model.set("mask", wire(new DataView(mask.buffer), "uint8", [2, 8]));
    dom.flushFrames();
    expect(el.find("xw-message").textContent).toMatch(/mask: shape \[2, 8\] does not match/);
  });

  it("shows the computation status when the model has one", () => {
    const { model, el } = mount(traits({ status: "computing", error: "", elapsed_ms: 0 }));
    const status = el.find("xw-status");
    expect(status.textContent).toBe("Computing…");
    model.set("status", "error");
    model.set("error", "target 12 is out of range");
    dom.flushFrames();
    expect(status.textContent).toBe("Error: target 12 is out of range");
    expect(status.dataset.status).toBe("error");
    const plain = mount(traits());
    expect(plain.el.find("xw-status").hidden).toBe(true);
  });

  it("removes every listener and its elements on cleanup", () => {
    const { model, el, canvas, cleanup } = mount(traits());
    expect(model.listenerCount()).toBeGreaterThan(10);
    model.set("opacity", 0.3);
    cleanup();
    expect(model.listenerCount()).toBe(0);
    expect(canvas.listenerCount()).toBe(0);
    expect(el.children).toHaveLength(0);
    expect(dom.pendingFrames()).toBe(0);
  });
});

describe("HeatmapView: title, units, controls and a lost kernel", () => {
  it("shows the title and units, and hides them when empty", () => {
    const { el, model } = mount(traits({ title: "saliency · target: circle", units: "|gradient|" }));
    expect(el.find("xw-heatmap-title").textContent).toBe("saliency · target: circle");
    expect(el.find("xw-heatmap-units").textContent).toBe("values: |gradient|");
    model.set("title", "");
    model.set("units", "");
    dom.flushFrames();
    expect(el.find("xw-heatmap-title").hidden).toBe(true);
    expect(el.find("xw-heatmap-units").hidden).toBe(true);
  });

  it("has colormap, sign and clip controls that show and write the traits", () => {
    const { el, model } = mount(traits({ colormap: "bwr", sign: "positive", clip_percentile: 99 }));
    const colormap = el.find("xw-colormap") as unknown as { value: string };
    const sign = el.find("xw-sign") as unknown as { value: string };
    const clip = el.find("xw-clip") as unknown as { value: string };
    expect(colormap.value).toBe("bwr");
    expect(sign.value).toBe("positive");
    expect(clip.value).toBe("99");
    sign.value = "negative";
    el.find("xw-sign").dispatch("change");
    expect(model.state.sign).toBe("negative");
    colormap.value = "viridis";
    el.find("xw-colormap").dispatch("change");
    expect(model.state.colormap).toBe("viridis");
    // No mask: no mask switch.
    expect(el.find("xw-show-mask-control").hidden).toBe(true);
  });

  it("says it is disconnected while the widget manager marks it so, and blocks clicks", () => {
    const model = new FakeModel(traits());
    const el = new FakeElement("div");
    el.className = "jupyter-widgets-disconnected";
    const cleanup = renderHeatmap({ model: model as never, el: el as unknown as HTMLElement });
    const root = el.find("xw-heatmap");
    const banner = el.find("xw-disconnected-banner");
    expect(root.children[0]).toBe(banner);
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toMatch(/^Disconnected from the kernel: run the notebook's cells to recompute/);
    expect(root.dataset.disconnected).toBe("true");
    let stopped = 0;
    root.dispatch("click", { target: null, stopPropagation: () => stopped++ });
    expect(stopped).toBe(1);
    el.className = "";
    for (const listener of model.listeners.get("comm_live_update") ?? []) listener();
    expect(banner.hidden).toBe(true);
    expect(root.dataset.disconnected).toBe("false");
    cleanup();
    expect(model.listenerCount()).toBe(0);
    expect(root.listenerCount()).toBe(0);
  });

  it("hides its display controls when show_controls is false, and shows them again", () => {
    const { model, el } = mount(traits({ show_controls: false }));
    dom.flushFrames();
    const controls = el.find("xw-display-controls");
    expect(controls.hidden).toBe(true);
    model.set("show_controls", true);
    dom.flushFrames();
    expect(controls.hidden).toBe(false);
  });

  it("is connected by default", () => {
    const { el } = mount(traits());
    expect(el.find("xw-disconnected-banner").hidden).toBe(true);
    expect(el.find("xw-heatmap").dataset.disconnected).toBe("false");
  });
});

describe("entry point", () => {
  it("dispatches on the view trait and reports an unknown view", () => {
    expect(typeof widget.render).toBe("function");
    expect(Object.keys(VIEWS)).toContain("heatmap");
    const el = new FakeElement("div");
    const cleanup = widget.render({ model: new FakeModel(traits()) as never, el: el as unknown as HTMLElement });
    expect(el.find("xw-heatmap")).toBeDefined();
    cleanup();
    const other = new FakeElement("div");
    widget.render({ model: new FakeModel({ view: "explorer" }) as never, el: other as unknown as HTMLElement });
    expect(other.find("xw-error").textContent).toMatch(/unknown view "explorer"/);
  });
});
