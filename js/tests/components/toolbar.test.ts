import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FILL_LABELS, Toolbar, type ToolbarTraits } from "../../src/components/toolbar";
import { Listeners } from "../../src/lib/dom";
import { FakeElement, installFakeDom } from "../fake_dom";

beforeEach(() => {
  installFakeDom();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

function mount(state: Partial<ToolbarTraits>) {
  const parent = new FakeElement("div");
  const writes: [string, unknown][] = [];
  const toolbar = new Toolbar(parent as unknown as HTMLElement, new Listeners(), (name, value) => {
    writes.push([name, value]);
    (state as Record<string, unknown>)[name] = value;
  });
  const sync = () => toolbar.sync((name) => state[name] as never);
  sync();
  return { toolbar, writes, sync, root: toolbar.root as unknown as FakeElement, fill: toolbar.fill as unknown as FakeElement };
}

describe("Toolbar fill", () => {
  it("offers blur, mean and black, blur first, and shows the default for a missing trait", () => {
    const { root, fill } = mount({ edit_tool: "none", brush_radius: 3, brush_color: [1, 1, 1], edits: [] });
    const options = fill.children;
    expect(options.map((o) => (o as unknown as HTMLOptionElement).value)).toEqual(["blur", "mean", "black"]);
    expect(options.map((o) => o.textContent)).toEqual(["blur", "mean colour", "black (0)"]);
    expect((fill as unknown as HTMLSelectElement).value).toBe("blur");
    expect(root.dataset.fill).toBe("blur");
    expect(root.find("xw-edit-fill-control").find("xw-control-name").textContent).toBe("fill");
  });

  it("writes the chosen fill, says it, and marks the control while erase or rectangle is the tool", () => {
    const state: Partial<ToolbarTraits> = { edit_tool: "rectangle", edit_fill: "blur", brush_radius: 3, brush_color: [1, 1, 1], edits: [] };
    const { writes, sync, root, fill } = mount(state);
    const control = root.find("xw-edit-fill-control");
    expect(control.className).toContain("xw-active");
    (fill as unknown as HTMLSelectElement).value = "mean";
    fill.dispatch("change");
    expect(writes).toEqual([["edit_fill", "mean"]]);
    sync();
    expect(root.dataset.fill).toBe("mean");
    expect((fill as unknown as HTMLSelectElement).title).toContain(FILL_LABELS.mean[1]);
    (fill as unknown as HTMLSelectElement).value = "white";
    fill.dispatch("change");
    expect(writes).toHaveLength(1); // not a fill: nothing written
    state.edit_tool = "paint";
    sync();
    expect(control.className).not.toContain("xw-active");
    expect((fill as unknown as HTMLSelectElement).value).toBe("mean");
  });

  it("tells in the tool tips that erase and rectangle use the chosen fill", () => {
    const { toolbar } = mount({ edit_tool: "erase" });
    expect(toolbar.buttons.erase.title).toContain("chosen fill");
    expect(toolbar.buttons.rectangle.title).toContain("chosen fill");
  });
});
