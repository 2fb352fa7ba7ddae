import { describe, expect, it } from "vitest";
import { DELTA_TOOLTIP, panelCaption, panelStatusLine } from "../../../src/views/image_explorer/state";

describe("panel status line", () => {
  it("says computing while the entry is missing or being recomputed", () => {
    expect(panelStatusLine(undefined)).toEqual({ status: "computing", text: "computing…" });
    expect(panelStatusLine({ status: "computing", elapsed_ms: 5 })).toEqual({ status: "computing", text: "computing…" });
  });

  it("gives the time, and the completeness error when there is one", () => {
    expect(panelStatusLine({ status: "idle", elapsed_ms: 12.34, delta: null })).toEqual({ status: "idle", text: "12.3 ms" });
    expect(panelStatusLine({ status: "idle", elapsed_ms: 250, delta: -0.0123 }).text).toBe("250 ms · Δ=-0.0123");
    expect(panelStatusLine({ status: "idle", elapsed_ms: 3, delta: 0 }).text).toBe("3 ms · Δ=0");
  });

  it("shows the error message of a failed method", () => {
    expect(panelStatusLine({ status: "error", error: "layer not found" })).toEqual({ status: "error", text: "layer not found" });
    expect(panelStatusLine({ status: "error", error: "" }).status).toBe("error");
  });
});

describe("panelCaption", () => {
  it("names the entry's class and units, else the explorer's target label", () => {
    expect(panelCaption({ target_name: "cat", units: "relevance" }, "dog (predicted)")).toBe("target: cat\nunits: relevance");
    expect(panelCaption({ units: "attribution" }, "dog (predicted)")).toBe("target: dog (predicted)\nunits: attribution");
    expect(panelCaption(undefined, "")).toBe("");
    expect(DELTA_TOOLTIP).toContain("sum of attributions minus (F(x) - F(baseline))");
  });
});
