import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { lut } from "../../src/lib/colormap";
import { baseColour } from "../../src/lib/sequence";
import { drawGlyphs, drawLetterRow, drawMatrix, drawReferenceDots, prepareCanvas } from "../../src/lib/sequence_draw";
import { FakeElement, installFakeDom } from "../fake_dom";

beforeEach(() => {
  installFakeDom();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

function context(): { canvas: FakeElement; ctx: CanvasRenderingContext2D } {
  const canvas = new FakeElement("canvas");
  return { canvas, ctx: canvas.getContext("2d") as unknown as CanvasRenderingContext2D };
}

describe("drawing sequences", () => {
  it("sizes the backing store for the device pixel ratio and scales the context", () => {
    const { canvas } = context();
    const ctx = prepareCanvas(canvas as unknown as HTMLCanvasElement, 110, 20);
    expect(ctx).not.toBeNull();
    expect([canvas.width, canvas.height]).toEqual([220, 40]); // devicePixelRatio 2
    expect(canvas.style.width).toBe("110px");
    expect(canvas.calls.find((c) => c.name === "setTransform")?.args).toEqual([2, 0, 0, 2, 0, 0]);
  });

  it("stretches each glyph's letter into its box, upside down below the flip line", () => {
    const { canvas, ctx } = context();
    drawGlyphs(ctx, [
      { letter: "A", x: 10, y: 5, width: 10, height: 15, colour: "#109648" },
      { letter: "T", x: 20, y: 20, width: 10, height: 8, colour: "#d62839" },
    ], 20);
    const translates = canvas.calls.filter((c) => c.name === "translate").map((c) => c.args);
    const scales = canvas.calls.filter((c) => c.name === "scale").map((c) => c.args as number[]);
    // Without text metrics the typical box (60 x 73) is used; 6% air on each side.
    expect(translates[0]).toEqual([10.6, 5]);
    expect(scales[0][0]).toBeCloseTo((10 - 1.2) / 60);
    expect(scales[0][1]).toBeCloseTo(15 / 73);
    expect(translates[1]).toEqual([20.6, 28]); // flipped: from the bottom of its box
    expect(scales[1][1]).toBeCloseTo(-8 / 73);
    expect(canvas.calls.filter((c) => c.name === "fillText").map((c) => c.args[0])).toEqual(["A", "T"]);
    expect(canvas.calls.filter((c) => c.name === "set fillStyle").map((c) => c.args[0])).toEqual(["#109648", "#d62839"]);
  });

  it("colours letter cells by score and writes the letters when there is room", () => {
    const { canvas, ctx } = context();
    const table = lut("RdBu_r");
    drawLetterRow(ctx, "AC", [1, -1], 1, table, 10, 0, 18);
    const fills = canvas.calls.filter((c) => c.name === "fillRect").map((c) => c.args);
    expect(fills).toEqual([
      [0, 0, 10, 18],
      [10, 0, 10, 18],
    ]);
    const styles = canvas.calls.filter((c) => c.name === "set fillStyle").map((c) => c.args[0]);
    const end = (i: number) => `rgb(${table[4 * i]}, ${table[4 * i + 1]}, ${table[4 * i + 2]})`;
    expect(styles[0]).toBe(end(255));
    expect(styles[2]).toBe(end(1));
    expect(canvas.calls.filter((c) => c.name === "fillText").map((c) => c.args[0])).toEqual(["A", "C"]);
    const { canvas: small, ctx: smallCtx } = context();
    drawLetterRow(smallCtx, "AC", null, 1, table, 4, 0, 18);
    expect(small.calls.filter((c) => c.name === "fillText")).toHaveLength(0);
  });

  it("draws an (A, L) matrix cell by cell and a dot on each observed base", () => {
    const { canvas, ctx } = context();
    drawMatrix(ctx, [0, 1, 2, 3, 4, 5, 6, 7], 4, 2, 7, lut("RdBu_r"), 10, 14);
    expect(canvas.calls.filter((c) => c.name === "fillRect")).toHaveLength(8);
    drawReferenceDots(ctx, [2, 0], 10, 14);
    const arcs = canvas.calls.filter((c) => c.name === "arc").map((c) => (c.args as number[]).slice(0, 2));
    expect(arcs).toEqual([
      [5, 2.5 * 14],
      [15, 0.5 * 14],
    ]);
    expect(baseColour("G")).toBe("#f7b32b");
  });
});
