import { describe, expect, it } from "vitest";
import { legendLabels } from "../../src/components/colorbar";

describe("colorbar labels", () => {
  it("labels the colorbar by sign", () => {
    expect(legendLabels("all", 2)).toEqual(["−2", "0", "+2"]);
    expect(legendLabels("positive", 0.5)).toEqual(["0", "", "0.5"]);
    expect(legendLabels("negative", 3)).toEqual(["−3", "", "0"]);
  });
});
