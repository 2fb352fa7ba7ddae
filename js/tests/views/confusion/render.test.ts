import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { VIEWS } from "../../../src/index";
import { renderConfusion } from "../../../src/views/confusion/render";
import { FakeElement, FakeModel, installFakeDom } from "../../fake_dom";
import { wire } from "../../wire";

function float32View(values: number[]): DataView {
  return new DataView(Float32Array.from(values).buffer);
}

function traits(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    view: "confusion",
    class_names: ["no", "yes"],
    labels: wire(float32View([0, 0, 1, 1]), "float32", [4]),
    predictions: wire(float32View([0, 1, 1, 1]), "float32", [4]),
    scores: wire(float32View([0.1, 0.6, 0.4, 0.9]), "float32", [4]),
    threshold: 0.5,
    normalize: false,
    selected_cell: [],
    title: "Confusion",
    ...overrides,
  };
}

function cells(el: FakeElement): FakeElement[] {
  return el.all().filter((e) => e.className.split(" ").includes("xw-confusion-cell"));
}

describe("confusion view", () => {
  let dom: ReturnType<typeof installFakeDom>;
  beforeEach(() => {
    dom = installFakeDom();
    vi.stubGlobal("performance", { now: () => 1 });
  });
  afterEach(() => vi.unstubAllGlobals());

  it("is registered and counts a binary model's matrix at the threshold", () => {
    expect(VIEWS.confusion).toBe(renderConfusion);
    const el = new FakeElement("div");
    const model = new FakeModel(traits());
    renderConfusion({ model: model as never, el: el as never });
    expect(cells(el).map((c) => c.textContent)).toEqual(["1", "1", "1", "1"]);
    expect(el.find("xw-confusion-grid").dataset.counts).toBe("1,1,1,1");
  });

  it("recounts in the same frame when the slider moves, and writes the threshold", () => {
    const el = new FakeElement("div");
    const model = new FakeModel(traits());
    renderConfusion({ model: model as never, el: el as never });
    const slider = el.find("xw-threshold") as FakeElement & { value: string };
    slider.value = "0.3";
    slider.dispatch("input");
    expect(model.state.threshold).toBe(0.3);
    expect(model.saves).toBe(1);
    expect(el.find("xw-confusion-grid").dataset.counts).toBe("1,1,0,2");
  });

  it("writes the clicked cell, marks it, and shows row fractions on the toggle", () => {
    const el = new FakeElement("div");
    const model = new FakeModel(traits());
    renderConfusion({ model: model as never, el: el as never });
    cells(el)[2].dispatch("click");
    expect(model.state.selected_cell).toEqual([1, 0]);
    dom.flushFrames();
    expect(cells(el)[2].className).toContain("xw-selected");
    model.set("normalize", true);
    dom.flushFrames();
    expect(cells(el).map((c) => c.textContent)).toEqual(["50%", "50%", "50%", "50%"]);
  });

  it("uses the predicted classes of a multi-class model and shows decoding problems", () => {
    const el = new FakeElement("div");
    const model = new FakeModel(
      traits({
        class_names: ["a", "b", "c"],
        labels: wire(float32View([0, 1, 2, 2]), "float32", [4]),
        predictions: wire(float32View([0, 2, 2, 1]), "float32", [4]),
        scores: wire(float32View([]), "float32", [0]),
      }),
    );
    renderConfusion({ model: model as never, el: el as never });
    expect(el.find("xw-confusion-grid").dataset.counts).toBe("1,0,0,0,0,1,0,1,1");
    expect(el.find("xw-confusion-threshold").hidden).toBe(true);
    expect(el.find("xw-error").textContent).toBe("");
    model.set("labels", { data: float32View([0, 1]), dtype: "float32", shape: [3] });
    dom.flushFrames();
    expect(el.find("xw-error").textContent).toContain("labels");
  });
});
