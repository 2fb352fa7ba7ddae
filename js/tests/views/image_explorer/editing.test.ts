import { describe, expect, it } from "vitest";
import { clampRadius, hexToRgb, rgbToHex, type EditOp } from "../../../src/lib/edits";
import {
  appendEdit,
  clampedPixel,
  EditGesture,
  normalizeRect,
  replaceEdit,
  strokeStep,
  Throttle,
  STROKE_INTERVAL_MS,
} from "../../../src/views/image_explorer/editing";

const rect = { left: 10, top: 20, width: 100, height: 50 };

describe("pointer to pixel while dragging", () => {
  it("clamps points outside the canvas into the grid", () => {
    // A 5 x 10 grid on a 100 x 50 px rect: 10 px cells.
    expect(clampedPixel(15, 25, rect, 5, 10)).toEqual([0, 0]);
    expect(clampedPixel(-100, 25, rect, 5, 10)).toEqual([0, 0]);
    expect(clampedPixel(500, 500, rect, 5, 10)).toEqual([4, 9]);
    expect(clampedPixel(55, -3, rect, 5, 10)).toEqual([0, 4]);
    expect(clampedPixel(NaN, 25, rect, 5, 10)).toBeNull();
  });
});

describe("strokes", () => {
  it("adds a pixel once, however many events land on it", () => {
    expect(strokeStep([3, 3], [3, 3])).toEqual([]);
    expect(strokeStep([3, 3], [4, 4])).toEqual([[4, 4]]);
    expect(strokeStep([0, 0], [0, 10])).toEqual([[0, 10]]); // Python joins the points with a segment
    expect(strokeStep(undefined, [1, 2])).toEqual([[1, 2]]);
  });

  it("builds paint and erase operations with de-duplicated points", () => {
    const paint = new EditGesture("paint", [2, 2], 2, [1, 0, 0.5]);
    expect(paint.op()).toEqual({ tool: "paint", points: [[2, 2]], radius: 2, color: [1, 0, 0.5] });
    expect(paint.move([2, 2])).toBe(false);
    expect(paint.move([2, 3])).toBe(true);
    expect(paint.move([2, 3])).toBe(false);
    expect(paint.move([2, 7])).toBe(true);
    expect(paint.move([2, 3])).toBe(true); // back over the stroke: a new point, not a duplicate
    expect(paint.op()).toEqual({ tool: "paint", points: [[2, 2], [2, 3], [2, 7], [2, 3]], radius: 2, color: [1, 0, 0.5] });

    const erase = new EditGesture("erase", [0, 0], 1, [1, 1, 1]);
    erase.move([1, 0]);
    expect(erase.op()).toEqual({ tool: "erase", points: [[0, 0], [1, 0]], radius: 1, fill: "blur" });
    expect(erase.preview()).toMatchObject({ kind: "stroke", tool: "erase", radius: 1, fill: "blur" });
    expect(new EditGesture("erase", [0, 0], 1, [1, 1, 1], "black").op()).toEqual({ tool: "erase", points: [[0, 0]], radius: 1, fill: "black" });
  });

  it("returns a fresh operation each time, so a sent one is never mutated", () => {
    const paint = new EditGesture("paint", [0, 0], 1, [1, 1, 1]);
    const first = paint.op() as Extract<EditOp, { tool: "paint" }>;
    paint.move([0, 1]);
    expect(first.points).toEqual([[0, 0]]);
  });
});

describe("rectangles", () => {
  it("normalises the corners whichever way the box was dragged (inclusive)", () => {
    expect(normalizeRect([5, 1], [2, 4])).toEqual([2, 1, 5, 4]);
    expect(normalizeRect([2, 4], [5, 1])).toEqual([2, 1, 5, 4]);
    expect(normalizeRect([3, 3], [3, 3])).toEqual([3, 3, 3, 3]);
    const box = new EditGesture("rectangle", [6, 6], 3, [1, 1, 1]);
    expect(box.move([6, 6])).toBe(false);
    expect(box.move([1, 9])).toBe(true);
    expect(box.op()).toEqual({ tool: "rectangle", rect: [1, 6, 6, 9], fill: "blur" });
    expect(box.preview()).toEqual({ kind: "rect", rect: [1, 6, 6, 9], fill: "blur" });
  });
});

describe("the edits list", () => {
  const op: EditOp = { tool: "rectangle", rect: [0, 0, 1, 1] };
  const stroke: EditOp = { tool: "erase", points: [[0, 0]], radius: 1 };

  it("appends a new operation and replaces it while it is the last", () => {
    const { edits, index } = appendEdit([op], stroke);
    expect(index).toBe(1);
    expect(edits).toEqual([op, stroke]);
    const grown: EditOp = { tool: "erase", points: [[0, 0], [0, 1]], radius: 1 };
    expect(replaceEdit(edits, index, grown)).toEqual([op, grown]);
    expect(appendEdit(undefined, op)).toEqual({ edits: [op], index: 0 });
  });

  it("stops replacing once someone else changed the list", () => {
    expect(replaceEdit([], 1, stroke)).toBeNull();
    expect(replaceEdit([op, op, op], 1, stroke)).toBeNull();
  });
});

describe("throttling a dragged stroke", () => {
  it("allows one send per interval", () => {
    const throttle = new Throttle();
    expect(throttle.interval).toBe(STROKE_INTERVAL_MS);
    expect(throttle.wait(0)).toBe(0);
    throttle.sent(1000);
    expect(throttle.wait(1000)).toBe(60);
    expect(throttle.wait(1045)).toBe(15);
    expect(throttle.wait(1060)).toBe(0);
    expect(throttle.wait(2000)).toBe(0);
  });
});

describe("brush settings", () => {
  it("converts colours between the trait and the colour input", () => {
    expect(rgbToHex([1, 0, 0.5])).toBe("#ff0080");
    expect(rgbToHex([2, -1, NaN])).toBe("#ff0000");
    expect(rgbToHex("nope")).toBe("#ffffff");
    expect(hexToRgb("#ff0080")).toEqual([1, 0, 0.502]);
    expect(hexToRgb("#0f0")).toEqual([0, 1, 0]);
    expect(hexToRgb("red")).toBeNull();
    expect(rgbToHex(hexToRgb("#3a7bd5"))).toBe("#3a7bd5");
  });

  it("keeps the radius an integer within the trait's range", () => {
    expect(clampRadius("4")).toBe(4);
    expect(clampRadius(0)).toBe(1);
    expect(clampRadius(99)).toBe(32);
    expect(clampRadius(2.6)).toBe(3);
    expect(clampRadius(undefined)).toBe(3);
  });
});
