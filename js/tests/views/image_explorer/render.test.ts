import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import widget, { VIEWS } from "../../../src/index";
import { renderExplorer } from "../../../src/views/image_explorer/render";
import { FakeElement, FakeModel, installFakeDom } from "../../fake_dom";
import { wire } from "../../wire";

/** IEEE half bits of v (normal numbers and zero; enough for test data). */
function toHalf(v: number): number {
  const bits = new Uint32Array(new Float32Array([v]).buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  if (v === 0 || exponent <= 0) return sign;
  return sign | ((exponent << 10) + Math.round((bits & 0x7fffff) / 8192));
}

/** float16 bytes as a DataView starting 2 bytes into its buffer, as traits can. */
function float16View(values: number[]): DataView {
  const buffer = new ArrayBuffer(2 + values.length * 2);
  new Uint16Array(buffer, 2).set(values.map(toHalf));
  return new DataView(buffer, 2, values.length * 2);
}

function uint8View(values: ArrayLike<number>): DataView {
  return new DataView(Uint8Array.from(values).buffer);
}

const H = 4;
const W = 4;

/** saliency: unsigned (1,4,4), 3 at (1, 2); integrated_gradients: signed, coarser (3,2,2). */
function panel(method: "saliency" | "integrated_gradients", extra: Record<string, unknown> = {}) {
  if (method === "saliency") {
    const values = new Array(16).fill(0);
    values[1 * 4 + 2] = 3;
    return { values: wire(float16View(values), "float16", [1, 4, 4]), signed: false, status: "idle", error: "", elapsed_ms: 12, target: 1, delta: null, ...extra };
  }
  // Channel sums: +1.5 top-left, -1.5 bottom-right, 0 elsewhere.
  const channels = [0.5, 0, 0, -0.5];
  return {
    values: wire(float16View([...channels, ...channels, ...channels]), "float16", [3, 2, 2]),
    signed: true,
    status: "idle",
    error: "",
    elapsed_ms: 40,
    target: 1,
    delta: 0.001,
    ...extra,
  };
}

function traits(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const samples = new Uint8Array(3 * H * W * 3).map((_, i) => (i * 7) % 256);
  return {
    view: "image_explorer",
    samples: wire(uint8View(samples), "uint8", [3, H, W, 3]),
    sample_labels: [
      { true: "circle", predicted: "circle", correct: true },
      { true: "square", predicted: "circle", correct: false },
      { true: null, predicted: "square", correct: null },
    ],
    sample_index: 0,
    image: wire(uint8View(new Array(H * W * 3).fill(128)), "uint8", [H, W, 3]),
    mask: wire(new DataView(new ArrayBuffer(0)), "uint8", [0]),
    show_mask: true,
    enabled_methods: ["saliency", "integrated_gradients"],
    panels: { saliency: panel("saliency"), integrated_gradients: panel("integrated_gradients") },
    target_label: "circle",
    clicked_pixel: [],
    edits: [],
    edit_tool: "none",
    edit_fill: "blur",
    brush_radius: 1,
    brush_color: [1, 0, 0],
    colormap: "auto",
    sign: "all",
    clip_percentile: 100,
    opacity: 1,
    reduction: "sum",
    display_size: 0,
    status: "idle",
    error: "",
    ...overrides,
  };
}

let dom: ReturnType<typeof installFakeDom>;

beforeEach(() => {
  dom = installFakeDom();
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

// Tiles are 4x4 grids shown at 192 CSS px (48 px cells); the test places each canvas at (10, 20).
const CELL = 192 / 4;
const at = (row: number, col: number) => ({ clientX: 10 + (col + 0.5) * CELL, clientY: 20 + (row + 0.5) * CELL });

function mount(state: Record<string, unknown>) {
  const model = new FakeModel(state);
  const el = new FakeElement("div");
  const cleanup = renderExplorer({ model: model as never, el: el as unknown as HTMLElement });
  const placeCanvases = () => {
    for (const canvas of el.all().filter((e) => e.className.split(" ").includes("xw-tile-canvas"))) {
      canvas.rect = { left: 10, top: 20, width: 192, height: 192 };
    }
  };
  placeCanvases();
  const panelOf = (method: string) => el.all().find((e) => e.className.split(" ").includes("xw-panel") && e.dataset.method === method);
  const canvasOf = (method: string) => panelOf(method)!.find("xw-panel-canvas");
  const flush = () => {
    dom.flushFrames();
    placeCanvases();
  };
  return { model, el, cleanup, panelOf, canvasOf, flush, input: el.find("xw-input-canvas") };
}

const editsOf = (model: FakeModel) => model.state.edits as { points?: number[][] }[];
const classes = (e: FakeElement) => e.className.split(" ");
const byClass = (el: FakeElement, name: string) => el.all().filter((e) => classes(e).includes(name));

/** The composite a tile canvas last showed: the pixels put into its offscreen source. */
function lastSourcePixels(el: FakeElement) {
  const inTree = new Set(el.all());
  const sources = dom.created.filter((e) => e.tagName === "canvas" && !inTree.has(e) && e.width === W && e.height === H);
  return sources.map((s) => s.calls.filter((c) => c.name === "putImageData").pop()?.args[0] as { data: Uint8ClampedArray } | undefined);
}

describe("ImageExplorer view: panels", () => {
  it("shows one panel per enabled method, in order, following enabled_methods", () => {
    const { el, model, flush, panelOf } = mount(traits());
    const grid = el.find("xw-grid");
    expect(grid.children.map((c) => c.dataset.tile ?? c.dataset.method)).toEqual(["input", "saliency", "integrated_gradients"]);
    expect(panelOf("saliency")!.find("xw-tile-title").textContent).toBe("saliency");

    model.set("enabled_methods", ["integrated_gradients", "gradcam", "saliency"]);
    flush();
    expect(grid.children.map((c) => c.dataset.tile ?? c.dataset.method)).toEqual(["input", "integrated_gradients", "gradcam", "saliency"]);

    model.set("enabled_methods", ["gradcam"]);
    flush();
    expect(byClass(el, "xw-panel").map((p) => p.dataset.method)).toEqual(["gradcam"]);
    expect(panelOf("saliency")).toBeUndefined();
  });

  it("says computing for a missing entry, the time and delta when done, and the error in red", () => {
    const panels = { saliency: panel("saliency"), integrated_gradients: panel("integrated_gradients") };
    const { model, flush, panelOf } = mount(traits({ enabled_methods: ["saliency", "integrated_gradients", "occlusion"] }));
    const status = (m: string) => panelOf(m)!.find("xw-panel-status");
    expect(status("occlusion").textContent).toBe("computing…");
    expect(panelOf("occlusion")!.dataset.status).toBe("computing");
    expect(status("saliency").textContent).toBe("12 ms");
    expect(status("integrated_gradients").textContent).toBe("40 ms · Δ=0.001");

    model.set("panels", { ...panels, occlusion: { status: "error", error: "window larger than the image" } });
    flush();
    expect(status("occlusion").textContent).toBe("window larger than the image");
    expect(status("occlusion").dataset.status).toBe("error");
  });

  it("dims the last map while a new one is computed, and not a panel with no map yet", () => {
    const { model, flush, panelOf } = mount(traits({ enabled_methods: ["saliency", "occlusion"] }));
    expect(panelOf("saliency")!.dataset.stale).toBe("false");
    expect(panelOf("occlusion")!.dataset.stale).toBe("false"); // computing, but nothing to dim
    model.set("panels", { saliency: { ...panel("saliency"), status: "computing" } });
    flush();
    expect(panelOf("saliency")!.dataset.stale).toBe("true");
    expect(panelOf("saliency")!.find("xw-panel-status").textContent).toBe("computing…");
    model.set("panels", { saliency: panel("saliency", { elapsed_ms: 42_300 }) });
    flush();
    expect(panelOf("saliency")!.dataset.stale).toBe("false");
    expect(panelOf("saliency")!.find("xw-panel-status").textContent).toBe("42 s");
  });

  it("previews a box with its fill on the input tile, and only its outline on the maps", () => {
    const { input, canvasOf, flush } = mount(traits({ edit_tool: "rectangle", edit_fill: "black" }));
    input.dispatch("pointerdown", { ...at(0, 0), pointerId: 5, button: 0 });
    input.dispatch("pointermove", { ...at(2, 2), pointerId: 5 });
    input.calls.length = 0;
    canvasOf("saliency").calls.length = 0;
    flush();
    const names = (calls: { name: string; args: unknown[] }[]) => calls.map((c) => c.name);
    expect(names(input.calls)).toContain("fillRect");
    expect(input.calls.find((c) => c.name === "fillText")?.args[0]).toBe("black");
    expect(names(canvasOf("saliency").calls)).toContain("strokeRect");
    expect(names(canvasOf("saliency").calls)).not.toContain("fillRect");
  });

  it("paints signed maps diverging and unsigned ones sequential under auto, coarse maps stretched", () => {
    const { el, canvasOf } = mount(traits());
    expect(canvasOf("saliency").hidden).toBe(false);
    expect(canvasOf("saliency").style.width).toBe("192px");
    const [, saliency, gradients] = lastSourcePixels(el);
    const rgba = (image: { data: Uint8ClampedArray } | undefined, row: number, col: number) =>
      Array.from(image!.data.subarray(4 * (row * W + col), 4 * (row * W + col) + 4));
    // inferno: the peak is pale yellow, zero is black.
    expect(rgba(saliency, 1, 2)[0]).toBeGreaterThan(240);
    expect(rgba(saliency, 1, 2)[2]).toBeLessThan(180);
    expect(rgba(saliency, 0, 0).slice(0, 3).every((v) => v < 5)).toBe(true);
    // RdBu_r, 2x2 stretched to 4x4: red top-left block, blue bottom-right block.
    for (const [row, col] of [[0, 0], [1, 1]]) {
      const [r, , b] = rgba(gradients, row, col);
      expect(r).toBeGreaterThan(b + 50);
    }
    const [r, , b] = rgba(gradients, 3, 2);
    expect(b).toBeGreaterThan(r + 50);
  });

  it("repaints only what a change affects", () => {
    const { model, canvasOf, flush } = mount(traits());
    const saliency = canvasOf("saliency");
    const counts = () => [Number(saliency.dataset.computed), Number(saliency.dataset.painted)];
    expect(counts()).toEqual([1, 1]);
    expect(Number(saliency.dataset.paintedAt)).toBeGreaterThan(0);

    model.set("opacity", 0.5); // re-blend only
    flush();
    expect(counts()).toEqual([1, 2]);

    model.set("clicked_pixel", [1, 1]); // overlay only
    flush();
    expect(counts()).toEqual([1, 3]);

    // Python resends the dict with fresh but identical bytes for saliency: nothing to do.
    model.set("panels", { saliency: panel("saliency"), integrated_gradients: panel("integrated_gradients", { elapsed_ms: 41 }) });
    flush();
    expect(counts()).toEqual([1, 3]);

    model.set("sign", "positive");
    flush();
    expect(counts()).toEqual([2, 4]);

    model.set("colormap", "viridis");
    flush();
    expect(counts()).toEqual([3, 5]);

    const values = new Array(16).fill(1);
    model.set("panels", { saliency: panel("saliency", { values: wire(float16View(values), "float16", [1, 4, 4]) }), integrated_gradients: panel("integrated_gradients") });
    flush();
    expect(counts()).toEqual([4, 6]);
  });

  it("coalesces a burst of changes into one frame", () => {
    const { model } = mount(traits());
    model.set("colormap", "viridis");
    model.set("clip_percentile", 99);
    model.set("opacity", 0.2);
    model.set("panels", {});
    expect(dom.pendingFrames()).toBe(1);
  });

  it("shows a colorbar with the scale of the map", () => {
    const { panelOf } = mount(traits());
    const labels = panelOf("integrated_gradients")!.find("xw-colorbar-labels").children.map((c) => c.textContent);
    expect(labels).toEqual(["−1.5", "0", "+1.5"]);
    const saliencyLabels = panelOf("saliency")!.find("xw-colorbar-labels").children.map((c) => c.textContent);
    expect(saliencyLabels).toEqual(["0", "", "3"]);
  });

  it("reports bytes that do not match the shape in the panel, and keeps showing the image", () => {
    const { model, flush, panelOf, canvasOf } = mount(traits());
    const saliency = panel("saliency");
    model.set("panels", { saliency: { ...saliency, values: { ...saliency.values, shape: [1, 2, 2] } }, integrated_gradients: panel("integrated_gradients") });
    flush();
    const status = panelOf("saliency")!.find("xw-panel-status");
    expect(status.dataset.status).toBe("error");
    expect(status.textContent).toMatch(/^saliency: .*needs 8 bytes/);
    expect(canvasOf("saliency").hidden).toBe(false);
    expect(panelOf("saliency")!.find("xw-colorbar").hidden).toBe(true);
  });
});

describe("ImageExplorer view: pixels and keys", () => {
  it("writes a clicked pixel from any panel and draws the crosshair on every tile", () => {
    const { model, canvasOf, flush, input } = mount(traits());
    const strokes = (c: FakeElement) => c.calls.filter((call) => call.name === "stroke").length;
    expect(strokes(input)).toBe(0);
    canvasOf("integrated_gradients").dispatch("click", at(2, 3));
    expect(model.state.clicked_pixel).toEqual([2, 3]);
    expect(model.saves).toBe(1);
    flush();
    for (const canvas of [input, canvasOf("saliency"), canvasOf("integrated_gradients")]) expect(strokes(canvas)).toBeGreaterThan(0);

    canvasOf("saliency").dispatch("click", { clientX: 5, clientY: 25 }); // left of the canvas
    expect(model.saves).toBe(1);
    model.set("clicked_pixel", [0, 0]); // from Python
    const before = Number(canvasOf("saliency").dataset.painted);
    flush();
    expect(Number(canvasOf("saliency").dataset.painted)).toBe(before + 1);
  });

  it("moves the crosshair with the arrow keys on a focused panel", () => {
    const { model, canvasOf } = mount(traits({ clicked_pixel: [1, 1] }));
    canvasOf("saliency").dispatch("keydown", { key: "ArrowRight" });
    expect(model.state.clicked_pixel).toEqual([1, 2]);
    canvasOf("saliency").dispatch("keydown", { key: "ArrowDown" });
    expect(model.state.clicked_pixel).toEqual([2, 2]);
    canvasOf("saliency").dispatch("keydown", { key: "x" });
    expect(model.state.clicked_pixel).toEqual([2, 2]);
  });

  it("shows the value under the pointer", () => {
    const { canvasOf, panelOf } = mount(traits());
    canvasOf("saliency").dispatch("pointermove", { ...at(1, 2), pointerId: 1 });
    expect(panelOf("saliency")!.find("xw-panel-readout").textContent).toBe("(1, 2): 3");
    canvasOf("integrated_gradients").dispatch("pointermove", { ...at(3, 3), pointerId: 1 });
    expect(panelOf("integrated_gradients")!.find("xw-panel-readout").textContent).toBe("(3, 3): -1.5");
    canvasOf("saliency").dispatch("pointerleave", {});
    expect(panelOf("saliency")!.find("xw-panel-readout").textContent).toBe("");
  });
});

describe("ImageExplorer view: editing", () => {
  it("appends a stroke at pointer-down and grows it, throttled, until pointer-up", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const { model, input, flush } = mount(traits({ edit_tool: "paint", brush_radius: 1, edits: [{ tool: "rectangle", rect: [0, 0, 0, 0] }] }));
    input.dispatch("pointerdown", { ...at(1, 1), pointerId: 7, button: 0 });
    expect(model.state.edits).toHaveLength(2);
    expect(editsOf(model)[1]).toEqual({ tool: "paint", points: [[1, 1]], radius: 1, color: [1, 0, 0] });
    expect(model.saves).toBe(1);
    expect(model.state.clicked_pixel).toEqual([]);

    vi.advanceTimersByTime(10);
    input.dispatch("pointermove", { ...at(1, 2), pointerId: 7 });
    expect(model.saves).toBe(1); // within 60 ms of the last send
    input.dispatch("pointermove", { ...at(1, 2), pointerId: 7 }); // same pixel: nothing new
    vi.advanceTimersByTime(50);
    expect(model.saves).toBe(2); // the trailing send
    expect(editsOf(model)[1].points).toEqual([[1, 1], [1, 2]]);

    flush();
    expect(input.calls.some((c) => c.name === "lineTo")).toBe(true); // the stroke preview

    vi.advanceTimersByTime(100);
    input.dispatch("pointermove", { ...at(3, 2), pointerId: 7 });
    expect(model.saves).toBe(3); // more than 60 ms later: at once
    input.dispatch("pointermove", { clientX: 10 + 4.5 * CELL, clientY: 20 + 3.5 * CELL, pointerId: 7 }); // off the canvas: clamped
    input.dispatch("pointerup", { pointerId: 7 });
    expect(model.saves).toBe(4);
    expect(model.state.edits).toHaveLength(2);
    expect(editsOf(model)[1].points).toEqual([[1, 1], [1, 2], [3, 2], [3, 3]]);
    vi.advanceTimersByTime(200);
    expect(model.saves).toBe(4);
  });

  it("edits on method panels too, and erase has no colour", () => {
    const { model, canvasOf } = mount(traits({ edit_tool: "erase", brush_radius: 2 }));
    canvasOf("saliency").dispatch("pointerdown", { ...at(0, 0), pointerId: 1, button: 0 });
    canvasOf("saliency").dispatch("pointerup", { pointerId: 1 });
    canvasOf("saliency").dispatch("click", at(0, 0)); // the click that ends a drag does not move the crosshair
    expect(model.state.edits).toEqual([{ tool: "erase", points: [[0, 0]], radius: 2, fill: "blur" }]);
    expect(model.state.clicked_pixel).toEqual([]);
  });

  it("commits a rectangle on pointer-up, with a preview while dragging", () => {
    const { model, input, flush } = mount(traits({ edit_tool: "rectangle" }));
    input.dispatch("pointerdown", { ...at(3, 3), pointerId: 2, button: 0 });
    input.dispatch("pointermove", { ...at(1, 0), pointerId: 2 });
    expect(model.state.edits).toEqual([]);
    flush();
    expect(input.calls.some((c) => c.name === "strokeRect")).toBe(true);
    input.dispatch("pointerup", { ...at(1, 0), pointerId: 2 });
    expect(model.state.edits).toEqual([{ tool: "rectangle", rect: [1, 0, 3, 3], fill: "blur" }]);
    expect(model.saves).toBe(1);
    // The pointer-up position counts, even without a move there first.
    input.dispatch("pointerdown", { ...at(0, 0), pointerId: 3, button: 0 });
    input.dispatch("pointerup", { ...at(2, 1), pointerId: 3 });
    expect(editsOf(model)[1]).toEqual({ tool: "rectangle", rect: [0, 0, 2, 1], fill: "blur" });
    // The fill chosen in the toolbar goes into the next edit.
    model.set("edit_fill", "mean");
    input.dispatch("pointerdown", { ...at(0, 0), pointerId: 4, button: 0 });
    input.dispatch("pointerup", { ...at(1, 1), pointerId: 4 });
    expect(editsOf(model)[2]).toEqual({ tool: "rectangle", rect: [0, 0, 1, 1], fill: "mean" });
  });

  it("ignores other buttons and pointers, and stops a stroke whose list was reset", () => {
    const { model, input, el } = mount(traits({ edit_tool: "paint" }));
    input.dispatch("pointerdown", { ...at(1, 1), pointerId: 1, button: 2 });
    expect(model.state.edits).toEqual([]);
    input.dispatch("pointerdown", { ...at(1, 1), pointerId: 1, button: 0 });
    input.dispatch("pointermove", { ...at(2, 1), pointerId: 9 });
    input.dispatch("pointerup", { pointerId: 9 });
    input.dispatch("pointermove", { ...at(1, 2), pointerId: 1 });
    input.dispatch("pointerup", { pointerId: 1 });
    expect(model.state.edits).toEqual([{ tool: "paint", points: [[1, 1], [1, 2]], radius: 1, color: [1, 0, 0] }]);
    input.dispatch("pointerdown", { ...at(3, 3), pointerId: 1, button: 0 });
    expect(model.state.edits).toHaveLength(2);
    el.find("xw-reset").dispatch("click");
    expect(model.state.edits).toEqual([]);
    input.dispatch("pointermove", { ...at(3, 2), pointerId: 1 });
    input.dispatch("pointerup", { pointerId: 1 });
    expect(model.state.edits).toEqual([]);
  });

  it("switches tools, radius and colour from the toolbar", () => {
    const { model, el, flush } = mount(traits());
    const tools = byClass(el, "xw-tool");
    expect(tools.map((t) => t.dataset.tool)).toEqual(["none", "paint", "erase", "rectangle"]);
    expect(tools[0].className).toContain("xw-active");
    tools[1].dispatch("click");
    expect(model.state.edit_tool).toBe("paint");
    flush();
    expect(tools[1].className).toContain("xw-active");
    expect(tools[0].className).not.toContain("xw-active");
    expect(el.find("xw-toolbar").dataset.fill).toBe("blur");
    model.set("edit_fill", "black");
    flush();
    expect(el.find("xw-toolbar").dataset.fill).toBe("black");
    expect(el.find("xw-explorer").dataset.tool).toBe("paint");

    const radius = el.find("xw-brush-radius") as FakeElement & { value: string };
    radius.value = "5";
    radius.dispatch("input");
    expect(model.state.brush_radius).toBe(5);
    const colour = el.find("xw-brush-color") as FakeElement & { value: string };
    expect(colour.value).toBe("#ff0000");
    colour.value = "#00ff00";
    colour.dispatch("input");
    expect(model.state.brush_color).toEqual([0, 1, 0]);
    expect(model.saves).toBe(3);
  });
});

describe("ImageExplorer view: gallery, controls and header", () => {
  it("shows thumbnails with correct/wrong marks, decoded once, and selects by click and keys", () => {
    const { model, el, flush } = mount(traits());
    const items = byClass(el, "xw-gallery-item");
    expect(items).toHaveLength(3);
    expect(items.map((i) => i.dataset.correct)).toEqual(["correct", "wrong", "unknown"]);
    expect(items.map((i) => i.find("xw-gallery-mark").textContent)).toEqual(["✓", "✗", ""]);
    expect(items[1].find("xw-gallery-true").textContent).toBe("(square)");
    expect(items[0].className).toContain("xw-selected");

    items[2].dispatch("click");
    expect(model.state.sample_index).toBe(2);
    flush();
    expect(items[2].className).toContain("xw-selected");
    expect(items[0].className).not.toContain("xw-selected");

    const gallery = el.find("xw-gallery");
    gallery.dispatch("keydown", { key: "ArrowLeft" });
    expect(model.state.sample_index).toBe(1);
    gallery.dispatch("keydown", { key: "ArrowLeft" });
    expect(model.state.sample_index).toBe(0);
    gallery.dispatch("keydown", { key: "ArrowLeft" });
    expect(model.state.sample_index).toBe(0);
    expect(model.saves).toBe(3);

    // Redraws for other traits reuse the thumbnails.
    const thumbs = () => byClass(el, "xw-gallery-thumb");
    const first = thumbs()[0];
    model.set("opacity", 0.3);
    model.set("sample_labels", [{ true: "a", predicted: "a", correct: true }]);
    flush();
    expect(thumbs()[0]).toBe(first);
    expect(thumbs()[0].calls.filter((c) => c.name === "putImageData")).toHaveLength(1);
    model.set("samples", wire(uint8View(new Uint8Array(H * W * 3)), "uint8", [1, H, W, 3]));
    flush();
    expect(thumbs()).toHaveLength(1);
  });

  it("writes display settings from the controls", () => {
    const { model, el, canvasOf, flush } = mount(traits());
    const control = (name: string) => el.find(name) as FakeElement & { value: string; checked: boolean };
    expect(control("xw-colormap").value).toBe("auto");
    expect(control("xw-colormap").children.map((o) => (o as FakeElement & { value: string }).value)).toContain("viridis");
    expect(control("xw-clip").value).toBe("100");
    control("xw-colormap").value = "magma";
    control("xw-colormap").dispatch("change");
    control("xw-sign").value = "absolute";
    control("xw-sign").dispatch("change");
    control("xw-clip").value = "97.5";
    control("xw-clip").dispatch("input");
    control("xw-reduction").value = "max_abs";
    control("xw-reduction").dispatch("change");
    expect([model.state.colormap, model.state.sign, model.state.clip_percentile, model.state.reduction]).toEqual(["magma", "absolute", 97.5, "max_abs"]);
    const computed = Number(canvasOf("saliency").dataset.computed);
    control("xw-opacity").value = "0.25";
    control("xw-opacity").dispatch("input");
    expect(model.state.opacity).toBe(0.25);
    expect(model.saves).toBe(5);
    flush();
    expect(Number(canvasOf("saliency").dataset.computed)).toBe(computed + 1); // one recompute for the burst
    expect(el.find("xw-opacity-value").textContent).toBe("25%");

    // Python changes a setting: the control follows.
    model.set("colormap", "gray");
    flush();
    expect(control("xw-colormap").value).toBe("gray");
  });

  it("offers the mask outline only when there is a mask, and draws it on every tile", () => {
    const { model, el, input, canvasOf, flush } = mount(traits());
    const maskControl = el.find("xw-show-mask-control");
    expect(maskControl.hidden).toBe(true);
    const mask = new Uint8Array(H * W);
    mask[5] = 1;
    model.set("mask", wire(uint8View(mask), "uint8", [H, W]));
    flush();
    expect(maskControl.hidden).toBe(false);
    const moves = (c: FakeElement) => c.calls.filter((call) => call.name === "moveTo").length;
    expect(moves(input)).toBe(4);
    expect(moves(canvasOf("saliency"))).toBe(4);
    const checkbox = el.find("xw-show-mask") as FakeElement & { checked: boolean };
    expect(checkbox.checked).toBe(true);
    checkbox.checked = false;
    checkbox.dispatch("change");
    expect(model.state.show_mask).toBe(false);
    flush();
    expect(moves(input)).toBe(4); // repainted without the outline
    expect(input.dataset.painted).toBe("3");

    model.set("mask", wire(uint8View(mask), "uint8", [2, 8]));
    model.set("show_mask", true);
    flush();
    expect(el.find("xw-message").textContent).toMatch(/mask: shape \[2, 8\] does not match/);
  });

  it("shows the target, the overall status and Python's error", () => {
    const { model, el, flush } = mount(traits({ status: "computing" }));
    expect(el.find("xw-target-label").textContent).toBe("target: circle");
    const status = el.find("xw-explorer-status");
    expect(status.textContent).toBe("computing…");
    expect(status.dataset.status).toBe("computing");
    const error = el.find("xw-explorer-error");
    expect(error.hidden).toBe(true);
    model.set("status", "error");
    model.set("error", "CUDA out of memory; try fewer steps");
    flush();
    expect(error.hidden).toBe(false);
    expect(error.textContent).toBe("CUDA out of memory; try fewer steps");
    expect(status.dataset.status).toBe("error");
    model.set("status", "idle");
    model.set("error", "");
    flush();
    expect(error.hidden).toBe(true);
    expect(status.textContent).toBe("");
  });

  it("removes every listener, element and pending frame on cleanup", () => {
    const { model, el, cleanup, input, canvasOf } = mount(traits({ edit_tool: "paint" }));
    const listened = el.all().filter((e) => e.listenerCount() > 0);
    expect(listened.length).toBeGreaterThan(10);
    expect(model.listenerCount()).toBeGreaterThan(20);
    expect(canvasOf("saliency").listenerCount()).toBeGreaterThan(0);
    input.dispatch("pointerdown", { ...at(1, 1), pointerId: 1, button: 0 });
    model.set("opacity", 0.3);
    cleanup();
    expect(model.listenerCount()).toBe(0);
    expect(listened.filter((e) => e.listenerCount() > 0)).toEqual([]);
    expect(el.children).toHaveLength(0);
    expect(dom.pendingFrames()).toBe(0);
  });

  it("forgets a removed panel's listeners", () => {
    const { model, canvasOf, flush } = mount(traits());
    const saliency = canvasOf("saliency");
    expect(saliency.listenerCount()).toBeGreaterThan(0);
    model.set("enabled_methods", ["integrated_gradients"]);
    flush();
    expect(saliency.listenerCount()).toBe(0);
  });
});

describe("entry point", () => {
  it("registers the image_explorer view", () => {
    expect(Object.keys(VIEWS)).toContain("image_explorer");
    const el = new FakeElement("div");
    const cleanup = widget.render({ model: new FakeModel(traits()) as never, el: el as unknown as HTMLElement });
    expect(el.find("xw-explorer")).toBeDefined();
    cleanup();
    expect(el.children).toHaveLength(0);
  });
});

describe("ImageExplorer view: what each panel shows, and a lost kernel", () => {
  it("names each panel's target class and units, and explains Δ on hover", () => {
    const panels = {
      saliency: panel("saliency", { target_name: "circle", units: "|gradient|" }),
      integrated_gradients: panel("integrated_gradients", { target_name: "circle", units: "attribution" }),
    };
    const { panelOf } = mount(traits({ panels, target_label: "circle (predicted, p=0.93)" }));
    expect(panelOf("saliency")!.find("xw-tile-caption").textContent).toBe("target: circle\nunits: |gradient|");
    expect(panelOf("integrated_gradients")!.find("xw-tile-caption").textContent).toBe("target: circle\nunits: attribution");
    const igStatus = panelOf("integrated_gradients")!.find("xw-panel-status") as unknown as { title: string; dataset: Record<string, string> };
    expect(igStatus.title).toMatch(/completeness error: sum of attributions minus \(F\(x\) - F\(baseline\)\)/);
    expect(igStatus.dataset.delta).toBe("true");
    const salStatus = panelOf("saliency")!.find("xw-panel-status") as unknown as { title: string; dataset: Record<string, string> };
    expect(salStatus.title).toBe("");
    expect(salStatus.dataset.delta).toBe("false");
  });

  it("falls back to the explorer's target label for an entry without a class name", () => {
    const { panelOf } = mount(traits({ target_label: "square (chosen, p=0.01)" }));
    expect(panelOf("saliency")!.find("xw-tile-caption").textContent).toBe("target: square (chosen, p=0.01)");
  });

  it("shows the disconnected banner while the widget manager marks the view, and then blocks clicks", () => {
    const model = new FakeModel(traits());
    const el = new FakeElement("div");
    el.className = "jupyter-widgets-disconnected";
    const cleanup = renderExplorer({ model: model as never, el: el as unknown as HTMLElement });
    const root = el.find("xw-explorer");
    const banner = el.find("xw-disconnected-banner");
    expect(root.children[0]).toBe(banner);
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toBe("Disconnected from the kernel: run the notebook's cells to recompute.");
    expect(root.dataset.disconnected).toBe("true");
    let stopped = 0;
    root.dispatch("click", { target: null, stopPropagation: () => stopped++ });
    expect(stopped).toBe(1);

    // The comm comes back (the manager re-marks the element, then reports comm_live_update).
    el.className = "";
    for (const listener of model.listeners.get("comm_live_update") ?? []) listener();
    expect(banner.hidden).toBe(true);
    expect(root.dataset.disconnected).toBe("false");
    root.dispatch("click", { target: null, stopPropagation: () => stopped++ });
    expect(stopped).toBe(1);
    cleanup();
    expect(model.listenerCount()).toBe(0);
  });
});
