import { describe, expect, it } from "vitest";
import { displaySize, tileSize } from "../../src/lib/layout";

describe("tile size", () => {
  it("scales small grids by a whole factor, shrinks big ones and honours display_size", () => {
    expect(tileSize(28, 28, 0)).toEqual([168, 168]);
    expect(tileSize(64, 64, undefined)).toEqual([192, 192]);
    expect(tileSize(192, 192, 0)).toEqual([192, 192]);
    expect(tileSize(224, 224, 0)).toEqual([224, 224]);
    expect(tileSize(512, 256, 0)).toEqual([128, 256]);
    expect(tileSize(32, 64, 300)).toEqual([300, 150]);
  });
});

describe("heatmap size", () => {
  it("scales small grids up by a whole factor and caps large ones", () => {
    expect(displaySize(8, 8, undefined)).toEqual([256, 256]);
    expect(displaySize(28, 28, 0)).toEqual([252, 252]);
    expect(displaySize(224, 224, undefined)).toEqual([224, 224]);
    expect(displaySize(1024, 512, undefined)).toEqual([256, 512]);
    expect(displaySize(64, 32, 400)).toEqual([200, 400]);
  });
});
