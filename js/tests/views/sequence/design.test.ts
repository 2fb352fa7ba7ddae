import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { VIEWS } from "../../../src/index";
import { renderSequenceDesign, rowSpans } from "../../../src/views/sequence_design/render";
import { FakeElement, FakeModel, installFakeDom } from "../../fake_dom";
import { wire } from "../../wire";

function bytes(values: number[]): DataView {
  return new DataView(new Uint8Array(values).buffer);
}

let dom: ReturnType<typeof installFakeDom>;

beforeEach(() => {
  dom = installFakeDom();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

function traits(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  // Two starts of 4 bases; position 0 is A in both (2 bits), the rest differ.
  const logo = new Float32Array(16);
  logo[0] = 2;
  return {
    view: "sequence_design",
    alphabet: "ACGT",
    sequences: wire(bytes([0, 1, 2, 3, 0, 3, 2, 1]), "uint8", [2, 4]),
    row_labels: ["start 1  score 0.9", "start 2  score 0.5"],
    highlights: [[1, 1, 4, "TGA (+)"]],
    logo: wire(new DataView(logo.buffer), "float32", [4, 4]),
    caption: "greedy: step 3 of 10",
    zoom: 10,
    ...overrides,
  };
}

describe("the sequence design view", () => {
  it("is registered under its view name", () => {
    expect(VIEWS.sequence_design).toBe(renderSequenceDesign);
  });

  it("picks the motif boxes of a row", () => {
    expect(rowSpans([[0, 2, 9, "a"], [1, 0, 3, "b"], [1, 99, 120, "c"]], 1, 101)).toEqual([
      { start: 0, end: 3, label: "b" },
      { start: 99, end: 101, label: "c" },
    ]);
    expect(rowSpans("nonsense", 0, 10)).toEqual([]);
  });

  it("draws the best sequences with their motifs boxed, their labels and the logo", () => {
    const model = new FakeModel(traits());
    const el = new FakeElement("div");
    const cleanup = renderSequenceDesign({ model: model as never, el: el as unknown as HTMLElement });
    const rows = el.find("xw-seq-design-rows");
    expect(rows.dataset.painted).toBe("1");
    expect(rows.dataset.motifs).toBe("1");
    expect(rows.calls.filter((c) => c.name === "fillText").map((c) => c.args[0]).join("")).toBe("ACGTATGC");
    expect(rows.calls.filter((c) => c.name === "strokeRect")).toHaveLength(1);
    const labels = el.all().filter((e) => e.className.includes("xw-seq-design-row-label")).map((e) => e.textContent);
    expect(labels).toEqual(["start 1  score 0.9", "start 2  score 0.5"]);
    const logo = el.find("xw-seq-design-logo");
    expect(logo.hidden).toBe(false);
    expect(logo.dataset.painted).toBe("1");
    expect(el.find("xw-seq-design-caption").textContent).toBe("greedy: step 3 of 10");
    // A new best sequence repaints; one start hides the logo.
    model.set("sequences", wire(bytes([3, 3, 3, 3]), "uint8", [1, 4]));
    dom.flushFrames();
    expect(rows.dataset.painted).toBe("2");
    expect(logo.hidden).toBe(true);
    expect(el.all().filter((e) => e.className.includes("xw-seq-design-row-label"))).toHaveLength(1);
    cleanup();
    expect(model.listenerCount()).toBe(0);
  });
});
