import { describe, expect, it } from "vitest";
import { lut } from "../../src/lib/colormap";
import {
  allNonNegative,
  baseColour,
  changedPositions,
  clampZoom,
  divergingColour,
  inkOn,
  lettersOf,
  MAX_CANVAS_WIDTH,
  MAX_ZOOM,
  MIN_ZOOM,
  positionAt,
  rowAt,
  rulerTicks,
  signedLogo,
  spansOf,
  stackedLogo,
  symmetricScale,
  UNKNOWN_CODE,
  withEdit,
  zoomStep,
} from "../../src/lib/sequence";

describe("letters and colours", () => {
  it("reads letter codes, unknown codes as N", () => {
    expect(lettersOf(new Uint8Array([0, 1, 2, 3, UNKNOWN_CODE]), "ACGT")).toBe("ACGTN");
  });

  it("gives the classic DNA colours and grey for anything else", () => {
    expect(baseColour("A")).toBe("#109648");
    expect(baseColour("t")).toBe("#d62839");
    expect(baseColour("N")).toBe("#777777");
  });

  it("scales by the largest magnitude, ignoring NaN", () => {
    expect(symmetricScale([0.5, -2, NaN, 1])).toBe(2);
    expect(symmetricScale([])).toBe(0);
  });

  it("puts zero at the diverging map's centre and the ends at ±scale", () => {
    const table = lut("RdBu_r");
    const zero = divergingColour(0, 2, table);
    expect(zero).toEqual([table[4 * 128], table[4 * 128 + 1], table[4 * 128 + 2]]);
    const high = divergingColour(2, 2, table);
    const low = divergingColour(-2, 2, table);
    expect(high[0]).toBeGreaterThan(high[2]); // red for positive
    expect(low[2]).toBeGreaterThan(low[0]); // blue for negative
    expect(divergingColour(5, 0, table)).toEqual(zero); // no scale: everything is zero
  });

  it("writes black on light cells and white on dark ones", () => {
    expect(inkOn([250, 250, 250])).toBe("#111111");
    expect(inkOn([20, 30, 120])).toBe("#ffffff");
  });
});

describe("zoom", () => {
  it("stays within its bounds and below the widest canvas", () => {
    expect(clampZoom(1000, 101)).toBe(MAX_ZOOM);
    expect(clampZoom(0, 101)).toBe(MIN_ZOOM);
    expect(clampZoom(20, 100_000) * 100_000).toBeLessThanOrEqual(MAX_CANVAS_WIDTH);
    expect(clampZoom(NaN, 101)).toBe(11);
  });

  it("steps in and out by at least a pixel and comes back", () => {
    expect(zoomStep(11, 1, 101)).toBe(14);
    expect(zoomStep(14, -1, 101)).toBe(11);
    expect(zoomStep(2, 1, 101)).toBe(3);
    expect(zoomStep(MIN_ZOOM, -1, 101)).toBe(MIN_ZOOM);
  });
});

describe("hit-testing", () => {
  it("maps the centre of every base back to it, at any width and offset", () => {
    for (const [left, width, length] of [
      [0, 101 * 11, 101],
      [37.5, 500, 101],
      [-300, 30000, 3000],
    ]) {
      for (let i = 0; i < length; i++) {
        expect(positionAt(left + ((i + 0.5) / length) * width, left, width, length)).toBe(i);
      }
      expect(positionAt(left - 1, left, width, length)).toBeNull();
      expect(positionAt(left + width + 1, left, width, length)).toBeNull();
      expect(positionAt(left + width, left, width, length)).toBe(length - 1);
    }
  });

  it("finds rows the same way", () => {
    expect(rowAt(10 + 2.5 * 20, 10, 200, 10)).toBe(2);
    expect(rowAt(5, 10, 200, 10)).toBeNull();
  });
});

describe("edits", () => {
  it("adds, replaces and removes edits, sorted by position", () => {
    const reference = "ACGT";
    let edits = withEdit([], 2, "A", reference);
    expect(edits).toEqual([{ position: 2, base: "A" }]);
    edits = withEdit(edits, 0, "T", reference);
    expect(edits).toEqual([
      { position: 0, base: "T" },
      { position: 2, base: "A" },
    ]);
    edits = withEdit(edits, 2, "C", reference);
    expect(edits).toEqual([
      { position: 0, base: "T" },
      { position: 2, base: "C" },
    ]);
    // Back to the reference: the edit goes.
    expect(withEdit(edits, 2, "G", reference)).toEqual([{ position: 0, base: "T" }]);
  });

  it("lists the changed positions", () => {
    expect(changedPositions("ACGTA", "ACCTT")).toEqual([2, 4]);
  });
});

describe("logos", () => {
  it("draws positive scores above the middle and negative ones below, height by |score|", () => {
    const glyphs = signedLogo("ACGT", [1, -0.5, 0, 2], 2, 10, 40);
    expect(glyphs.map((g) => g.letter)).toEqual(["A", "C", "T"]);
    const [a, c, t] = glyphs;
    expect(a).toMatchObject({ x: 0, y: 10, width: 10, height: 10, colour: baseColour("A") });
    expect(c).toMatchObject({ x: 10, y: 20, height: 5 });
    expect(t).toMatchObject({ x: 30, y: 0, height: 20 });
  });

  it("gives an unsigned map the whole height above the bottom line", () => {
    expect(allNonNegative([0, 1, 2])).toBe(true);
    expect(allNonNegative([0, -1])).toBe(false);
    const [a, t] = signedLogo("AT", [1, 2], 2, 10, 40, false);
    expect(a).toMatchObject({ y: 20, height: 20 });
    expect(t).toMatchObject({ y: 0, height: 40 });
  });

  it("stacks letters smallest at the bottom and scales `top` to the full height", () => {
    // (A, L) = (4, 2): position 0 all G (2 bits), position 1 half A half C (1 bit: 0.5 each).
    const heights = [0, 0.5, 0, 0.5, 2, 0, 0, 0];
    const glyphs = stackedLogo(heights, "ACGT", 2, 2, 10, 100);
    expect(glyphs).toEqual([
      { letter: "G", x: 0, y: 0, width: 10, height: 100, colour: baseColour("G") },
      { letter: "A", x: 10, y: 75, width: 10, height: 25, colour: baseColour("A") },
      { letter: "C", x: 10, y: 50, width: 10, height: 25, colour: baseColour("C") },
    ]);
  });
});

describe("spans and ruler", () => {
  it("reads [start, end, label] triples, clipped, and drops malformed ones", () => {
    expect(spansOf([[3, 10, "+"], [95, 120, "-"], [5, 5, "+"], "x", [1]], 101)).toEqual([
      { start: 3, end: 10, label: "+" },
      { start: 95, end: 101, label: "-" },
    ]);
    expect(spansOf(null, 101)).toEqual([]);
  });

  it("puts ticks far enough apart for their labels", () => {
    expect(rulerTicks(101, 11)).toEqual([1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 100]);
    expect(rulerTicks(101, 2)).toEqual([1, 20, 40, 60, 80, 100]);
  });
});
