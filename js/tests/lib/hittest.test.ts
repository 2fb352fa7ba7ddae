import { describe, expect, it } from "vitest";
import { clientToPixel, eventToPixel, pixelCentre, type Rect } from "../../src/lib/hittest";

const H = 64;
const W = 64;

// The same 64x64 grid shown at its own size, scaled up, and stretched non-uniformly,
// each placed somewhere on the page.
const displays: Record<string, Rect> = {
  "64 px": { left: 0, top: 0, width: 64, height: 64 },
  "256 px": { left: 37.5, top: 120, width: 256, height: 256 },
  "300x150 px": { left: 10, top: 20.25, width: 300, height: 150 },
};

describe.each(Object.entries(displays))("a 64x64 grid shown at %s", (_, rect) => {
  it("maps the centre of every cell back to that cell", () => {
    for (let row = 0; row < H; row++) {
      for (let col = 0; col < W; col++) {
        const { x, y } = pixelCentre(row, col, rect, H, W);
        const hit = clientToPixel(x, y, rect, H, W);
        if (!hit || hit[0] !== row || hit[1] !== col) {
          throw new Error(`centre of (${row}, ${col}) at (${x}, ${y}) hit ${JSON.stringify(hit)}`);
        }
      }
    }
  });

  it("maps the middle of the display to the cell right of and below the centre line", () => {
    expect(clientToPixel(rect.left + rect.width / 2, rect.top + rect.height / 2, rect, H, W)).toEqual([32, 32]);
  });

  it("maps corners and edges into the first and last cells", () => {
    const right = rect.left + rect.width;
    const bottom = rect.top + rect.height;
    expect(clientToPixel(rect.left, rect.top, rect, H, W)).toEqual([0, 0]);
    expect(clientToPixel(right, bottom, rect, H, W)).toEqual([63, 63]);
    expect(clientToPixel(right - 1e-6, rect.top, rect, H, W)).toEqual([0, 63]);
    expect(clientToPixel(rect.left, bottom - 1e-6, rect, H, W)).toEqual([63, 0]);
  });

  it("splits cells at their boundaries", () => {
    const cellWidth = rect.width / W;
    const cellHeight = rect.height / H;
    const x = rect.left + 10 * cellWidth;
    const y = rect.top + 5 * cellHeight;
    expect(clientToPixel(x - 0.01 * cellWidth, y + 0.01 * cellHeight, rect, H, W)).toEqual([5, 9]);
    expect(clientToPixel(x + 0.01 * cellWidth, y - 0.01 * cellHeight, rect, H, W)).toEqual([4, 10]);
  });

  it("returns null outside the display", () => {
    const right = rect.left + rect.width;
    const bottom = rect.top + rect.height;
    expect(clientToPixel(rect.left - 0.5, rect.top + 10, rect, H, W)).toBeNull();
    expect(clientToPixel(rect.left + 10, rect.top - 0.5, rect, H, W)).toBeNull();
    expect(clientToPixel(right + 0.5, rect.top + 10, rect, H, W)).toBeNull();
    expect(clientToPixel(rect.left + 10, bottom + 0.5, rect, H, W)).toBeNull();
    expect(clientToPixel(NaN, rect.top, rect, H, W)).toBeNull();
  });
});

describe("hit-testing", () => {
  it("handles non-square grids", () => {
    const rect = { left: 0, top: 0, width: 300, height: 100 };
    expect(clientToPixel(299, 99, rect, 10, 30)).toEqual([9, 29]);
    expect(clientToPixel(15, 5, rect, 10, 30)).toEqual([0, 1]);
    expect(pixelCentre(9, 29, rect, 10, 30)).toEqual({ x: 295, y: 95 });
  });

  it("returns null for an element with no size or an empty grid", () => {
    expect(clientToPixel(0, 0, { left: 0, top: 0, width: 0, height: 0 }, H, W)).toBeNull();
    expect(clientToPixel(1, 1, { left: 0, top: 0, width: 10, height: 10 }, 0, 0)).toBeNull();
  });

  it("reads an event against the element's bounding rect", () => {
    const element = { getBoundingClientRect: () => ({ left: 100, top: 50, width: 256, height: 256 }) };
    expect(eventToPixel({ clientX: 100 + 4 * 3.5, clientY: 50 + 4 * 10.5 }, element, H, W)).toEqual([10, 3]);
    expect(eventToPixel({ clientX: 99, clientY: 60 }, element, H, W)).toBeNull();
  });
});
