import { describe, expect, it } from "vitest";
import { effectiveSign, resolveColormap } from "../../src/lib/display";

describe("colormap choice", () => {
  it("resolves auto to a diverging map for signed panels and a sequential one otherwise", () => {
    expect(resolveColormap("auto", true)).toBe("RdBu_r");
    expect(resolveColormap("auto", false)).toBe("inferno");
    expect(resolveColormap(undefined, false)).toBe("inferno");
  });

  it("applies a named map to every panel and treats an unknown name as auto", () => {
    expect(resolveColormap("viridis", true)).toBe("viridis");
    expect(resolveColormap("viridis", false)).toBe("viridis");
    expect(resolveColormap("jet", true)).toBe("RdBu_r");
  });

  it("shows an unsigned map's magnitudes when the sign filter is 'all'", () => {
    expect(effectiveSign("all", false)).toBe("absolute");
    expect(effectiveSign("all", true)).toBe("all");
    expect(effectiveSign("negative", false)).toBe("negative");
    expect(effectiveSign("bogus", true)).toBe("all");
  });
});
