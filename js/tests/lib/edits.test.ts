import { describe, expect, it } from "vitest";
import { brushColour, isTool } from "../../src/lib/edits";

describe("edit tools and the brush", () => {
  it("knows the four tools", () => {
    expect(["none", "paint", "erase", "rectangle"].every(isTool)).toBe(true);
    expect(isTool("lasso")).toBe(false);
  });

  it("reads the brush colour trait, clamped, white when malformed", () => {
    expect(brushColour([1, 0.5, 0])).toEqual([1, 0.5, 0]);
    expect(brushColour([2, -1, "x"])).toEqual([1, 0, 0]);
    expect(brushColour([1, 1])).toEqual([1, 1, 1]);
    expect(brushColour(undefined)).toEqual([1, 1, 1]);
  });
});
