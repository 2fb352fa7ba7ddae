import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Gallery } from "../../src/components/gallery";
import { FakeElement, installFakeDom } from "../fake_dom";
import { wire } from "../wire";

function samples(count: number) {
  const pixels = new Uint8Array(count * 2 * 2 * 3).fill(100);
  return wire(new DataView(pixels.buffer), "uint8", [count, 2, 2, 3]);
}

describe("gallery restricted to shown samples", () => {
  beforeEach(() => installFakeDom());
  afterEach(() => vi.unstubAllGlobals());

  it("hides the samples not shown, shows all again on an empty list, and steps among the shown", () => {
    const parent = new FakeElement("div");
    let current = 1;
    const chosen: number[] = [];
    const gallery = new Gallery(parent as never, (i) => chosen.push(i), () => current);
    const data = samples(5);
    gallery.update(data, [], 1, [1, 3, 4]);
    const items = parent.all().filter((e) => e.className.split(" ").includes("xw-gallery-item"));
    expect(items.map((item) => item.hidden)).toEqual([true, false, true, false, false]);
    expect(gallery.root.dataset.shown).toBe("3");
    // The right arrow goes from sample 1 to sample 3, the next one shown.
    (gallery.root as unknown as FakeElement).dispatch("keydown", { key: "ArrowRight" });
    expect(chosen).toEqual([3]);
    current = 4;
    (gallery.root as unknown as FakeElement).dispatch("keydown", { key: "ArrowRight" });
    expect(chosen).toEqual([3]);
    gallery.update(data, [], 4, []);
    expect(items.map((item) => item.hidden)).toEqual([false, false, false, false, false]);
    expect(gallery.root.dataset.shown).toBe("5");
  });
});
