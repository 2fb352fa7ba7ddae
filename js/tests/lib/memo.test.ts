import { describe, expect, it } from "vitest";
import { Memo, WireVersion } from "../../src/lib/memo";

const array = (bytes: number[], shape = [bytes.length], dtype = "uint8") => ({ data: new DataView(Uint8Array.from(bytes).buffer), dtype, shape });

describe("Memo", () => {
  it("recomputes only when the key changes, and retries after a throw", () => {
    const memo = new Memo<number>();
    let calls = 0;
    expect(memo.get("a", () => ++calls)).toBe(1);
    expect(memo.get("a", () => ++calls)).toBe(1);
    expect(memo.version).toBe(1);
    expect(() =>
      memo.get("b", () => {
        throw new Error("bad");
      }),
    ).toThrow("bad");
    expect(memo.get("b", () => ++calls)).toBe(2);
    expect(memo.version).toBe(2);
  });
});

describe("WireVersion", () => {
  it("keeps its version for a new object with the same dtype, shape and bytes", () => {
    const version = new WireVersion();
    const first = version.track(array([1, 2, 3, 4]));
    expect(version.track(array([1, 2, 3, 4]))).toBe(first);
    expect(version.track(array([1, 2, 3, 5]))).toBe(first + 1);
    expect(version.track(array([1, 2, 3, 5], [2, 2]))).toBe(first + 2);
    expect(version.track(array([1, 2, 3, 5], [2, 2], "int8"))).toBe(first + 3);
    expect(version.track(null)).toBe(first + 4);
    expect(version.track(null)).toBe(first + 4);
  });

  it("never takes two values that are not arrays for the same array", () => {
    const version = new WireVersion();
    const first = version.track({ dtype: "uint8", shape: [1] });
    expect(version.track({ dtype: "uint8", shape: [1] })).toBe(first + 1);
    expect(version.track(array([1], [1]))).toBe(first + 2);
  });
});
