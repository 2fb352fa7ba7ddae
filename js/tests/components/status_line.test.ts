import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StatusLine } from "../../src/components/status_line";
import { FakeElement, installFakeDom } from "../fake_dom";

beforeEach(() => {
  installFakeDom();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("StatusLine", () => {
  it("says computing, the error, or how long the result took, and hides without a status trait", () => {
    const parent = new FakeElement("div");
    const line = new StatusLine(parent as unknown as HTMLElement);
    const root = line.root as unknown as FakeElement;
    line.update("computing", "", 0);
    expect([root.textContent, root.dataset.status, root.hidden]).toEqual(["Computing…", "computing", false]);
    line.update("error", "", 0);
    expect(root.textContent).toBe("Error: unknown error");
    line.update("idle", "", 12.345);
    expect(root.textContent).toBe("Computed in 12.3 ms");
    line.update("idle", "", 0);
    expect(root.textContent).toBe("");
    line.update(undefined, undefined, undefined);
    expect(root.hidden).toBe(true);
  });
});
