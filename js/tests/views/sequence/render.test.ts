import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { VIEWS } from "../../../src/index";
import { renderSequence } from "../../../src/views/sequence/render";
import { FakeElement, FakeModel, installFakeDom } from "../../fake_dom";
import { wire } from "../../wire";

function bytes(values: number[]): DataView {
  return new DataView(new Uint8Array(values).buffer);
}

function float32(values: number[]): DataView {
  return new DataView(new Float32Array(values).buffer);
}

// Two rows of 6 bases: ACGTAC and TTTTGG; the open row is the first.
function traits(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    view: "sequence",
    alphabet: "ACGT",
    rows: wire(bytes([0, 1, 2, 3, 0, 1, 3, 3, 3, 3, 2, 2]), "uint8", [2, 6]),
    row_info: [
      { index: 7, label: "site", output: 0.99, output_text: "p=0.990", sites: [[1, 4, "+"]] },
      { index: 3, label: "no site", output: 0.5, output_text: "p=0.500", sites: [] },
    ],
    row_scores: { saliency: wire(float32([1, -1, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 2]), "float32", [2, 6]) },
    row_method: "",
    enabled_methods: ["saliency"],
    selected: -1,
    reference: wire(bytes([0, 1, 2, 3, 0, 1]), "uint8", [6]),
    sequence: wire(bytes([0, 1, 2, 3, 0, 1]), "uint8", [6]),
    edits: [],
    output_label: "sample 7: site p=0.990",
    target_label: "explaining output 1 (site)",
    maps: { saliency: { values: wire(float32([1, -2, 0, 0, 0.5, 0]), "float32", [6]), status: "idle", elapsed_ms: 3, units: "gradient" } },
    mutagenesis: { values: wire(float32(new Array(24).fill(0).map((_, i) => (i % 5) - 2)), "float32", [4, 6]), status: "idle", elapsed_ms: 4, units: "Δ output" },
    display_mode: "letters",
    zoom: 10,
    colormap: "RdBu_r",
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
  vi.unstubAllGlobals();
});

function mount(state: Record<string, unknown>) {
  const model = new FakeModel(state);
  const el = new FakeElement("div");
  const cleanup = renderSequence({ model: model as never, el: el as unknown as HTMLElement });
  return { model, el, cleanup };
}

function texts(el: FakeElement, className: string): string[] {
  return el.all().filter((e) => e.className.split(" ").includes(className)).map((e) => e.textContent);
}

describe("the sequence view", () => {
  it("is registered under its view name", () => {
    expect(VIEWS.sequence).toBe(renderSequence);
  });

  it("paints the rows with a check mark where a site is known, and no detail before a row is open", () => {
    const { el } = mount(traits());
    const canvas = el.find("xw-seq-rows-canvas");
    expect(canvas.dataset.painted).toBe("1");
    expect(canvas.style.width).toBe("60px"); // 6 bases at 10 px
    expect(canvas.dataset.scale).toBe("2");
    expect(texts(el, "xw-seq-check")).toEqual(["✓", ""]);
    expect(texts(el, "xw-seq-row-text")[0]).toBe("#7  site  p=0.990");
    expect(el.find("xw-seq-detail").hidden).toBe(true);
    // The letters are drawn on cells: fillText once per base.
    expect(canvas.calls.filter((c) => c.name === "fillText").map((c) => c.args[0]).join("")).toBe("ACGTACTTTTGG");
  });

  it("opens a clicked row (and closes it on a second click)", () => {
    const { model, el } = mount(traits());
    const canvas = el.find("xw-seq-rows-canvas");
    canvas.rect = { left: 0, top: 100, width: 60, height: 44 };
    canvas.dispatch("click", { clientX: 5, clientY: 100 + 1.5 * 20 });
    expect(model.get("selected")).toBe(1);
    el.find("xw-seq-row-label").dispatch("click");
    expect(model.get("selected")).toBe(0);
    el.find("xw-seq-row-label").dispatch("click");
    expect(model.get("selected")).toBe(-1);
  });

  it("shows the open sequence with a logo per method and the mutagenesis map with its legend", () => {
    const { el } = mount(traits({ selected: 0 }));
    const detail = el.find("xw-seq-detail");
    expect(detail.hidden).toBe(false);
    expect(detail.dataset.computed).toBe("1");
    expect(el.find("xw-seq-strip").dataset.letters).toBe("ACGTAC");
    const logo = el.find("xw-seq-logo");
    expect(logo.dataset.method).toBe("saliency");
    expect(logo.dataset.scale).toBe("2");
    const heat = el.find("xw-seq-heat");
    expect(heat.dataset.scale).toBe("2");
    expect(heat.style.height).toBe("56px");
    expect(texts(el, "xw-seq-heat-letter")).toEqual(["A", "C", "G", "T"]);
    const legend = el.find("xw-seq-heat-legend");
    expect(legend.dataset.scale).toBe("2");
    expect(texts(el, "xw-colorbar-caption")[0]).toContain("Δ output");
    expect(texts(el, "xw-seq-output")).toEqual(["sample 7: site p=0.990"]);
  });

  it("changes a base through the picker and through the keyboard", () => {
    const { model, el } = mount(traits({ selected: 0 }));
    const strip = el.find("xw-seq-strip");
    strip.rect = { left: 0, top: 0, width: 60, height: 26 };
    strip.dispatch("click", { clientX: 25, clientY: 10 });
    const picker = el.find("xw-base-picker");
    expect(picker.hidden).toBe(false);
    expect(picker.dataset.position).toBe("2");
    const options = el.all().filter((e) => e.className.includes("xw-base-option"));
    expect(options.map((o) => o.textContent)).toEqual(["A", "C", "G", "T"]);
    expect(options[2].className).toContain("xw-current"); // position 2 is G
    options[0].dispatch("click", { stopPropagation() {} });
    expect(model.get("edits")).toEqual([{ position: 2, base: "A" }]);
    expect(picker.hidden).toBe(true);
    // The cursor stays on base 2; the right arrow moves it, a letter key changes that base.
    // Handled keys stop there: the notebook's command-mode shortcuts (A, C ...) never see them.
    const stopped = vi.fn();
    strip.dispatch("keydown", { key: "ArrowRight", stopPropagation: stopped });
    strip.dispatch("keydown", { key: "c", stopPropagation: stopped });
    expect(stopped).toHaveBeenCalledTimes(2);
    expect(strip.attributes["data-lm-suppress-shortcuts"]).toBe("true");
    expect(model.get("edits")).toEqual([
      { position: 2, base: "A" },
      { position: 3, base: "C" },
    ]);
    // Pressing the base a position already has in the reference drops its edit.
    model.set("sequence", wire(bytes([0, 1, 0, 1, 0, 1]), "uint8", [6]));
    dom.flushFrames();
    strip.dispatch("keydown", { key: "T", stopPropagation: stopped });
    expect(model.get("edits")).toEqual([{ position: 2, base: "A" }]);
  });

  it("repaints the maps when new values arrive, and only then", () => {
    const { model, el } = mount(traits({ selected: 0 }));
    const detail = el.find("xw-seq-detail");
    model.set("status", "computing");
    dom.flushFrames();
    expect(detail.dataset.computed).toBe("1");
    model.set("mutagenesis", { ...(model.get("mutagenesis") as object), values: wire(float32(new Array(24).fill(1)), "float32", [4, 6]) });
    dom.flushFrames();
    expect(detail.dataset.computed).toBe("2");
  });

  it("zooms with the buttons and ctrl + wheel, and switches the rows to logos", () => {
    const { model, el } = mount(traits());
    el.find("xw-zoom-in").dispatch("click");
    expect(model.get("zoom")).toBe(13);
    const scroller = el.find("xw-seq-scroll");
    scroller.dispatch("wheel", { ctrlKey: true, deltaY: 100, clientX: 0 });
    expect(model.get("zoom")).toBe(10);
    scroller.dispatch("wheel", { ctrlKey: false, deltaY: 100, clientX: 0 });
    expect(model.get("zoom")).toBe(10);
    const select = el.find("xw-seq-mode") as unknown as { value: string; dispatch: (t: string) => void };
    select.value = "logo";
    select.dispatch("change");
    expect(model.get("display_mode")).toBe("logo");
    dom.flushFrames();
    expect(el.find("xw-seq-rows-canvas").style.height).toBe(`${2 * 40 + 4}px`);
  });

  it("shows Python's error and a map's error without breaking", () => {
    const { el } = mount(traits({ selected: 0, error: "saliency: boom", status: "error", maps: { saliency: { status: "error", error: "boom" } } }));
    expect(texts(el, "xw-explorer-error")).toEqual(["saliency: boom"]);
    const label = el.find("xw-seq-logo-label");
    expect(label.dataset.status).toBe("error");
  });

  it("removes its listeners and elements on cleanup", () => {
    const { model, el, cleanup } = mount(traits({ selected: 0 }));
    cleanup();
    expect(model.listenerCount()).toBe(0);
    expect(el.children.length).toBe(0);
  });
});
