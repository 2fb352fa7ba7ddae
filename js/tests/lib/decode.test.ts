import { describe, expect, it } from "vitest";
import { decodeArray, decodeWire, elementCount, halfToFloat, wireByteLength } from "../../src/lib/decode";

/** Little-endian float32 values written at `offset` into a larger buffer. */
function float32Bytes(values: number[], offset: number): DataView {
  const buffer = new ArrayBuffer(offset + values.length * 4 + 8);
  const view = new DataView(buffer, offset, values.length * 4);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return view;
}

function halfBytes(bits: number[], offset: number): DataView {
  const buffer = new ArrayBuffer(offset + bits.length * 2 + 3);
  const view = new DataView(buffer, offset, bits.length * 2);
  bits.forEach((b, i) => view.setUint16(i * 2, b, true));
  return view;
}

/** An independent float -> binary16 encoder for values that half represents exactly. */
function floatToHalfBits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const v = Math.abs(x);
  if (v === Infinity) return sign | 0x7c00;
  if (v < 2 ** -14) return sign | (v / 2 ** -24);
  const exponent = Math.floor(Math.log2(v));
  return sign | ((exponent + 15) << 10) | ((v / 2 ** exponent - 1) * 1024);
}

describe("decodeArray", () => {
  it("honours a DataView's non-zero, aligned byteOffset without copying", () => {
    const values = [1.5, -2.25, 3, 1e-7, -0, 65504];
    const view = float32Bytes(values, 8);
    const { data, shape } = decodeArray(view, "float32", [2, 3]);
    expect(shape).toEqual([2, 3]);
    expect(data).toBeInstanceOf(Float32Array);
    expect(Array.from(data)).toEqual(values.map(Math.fround));
    expect(data.buffer).toBe(view.buffer);
    expect(data.byteOffset).toBe(8);
  });

  it("copies when the byteOffset is not aligned to the item size", () => {
    const values = [0.1, 0.2, 0.3];
    for (const offset of [1, 2, 3, 5]) {
      const { data } = decodeArray(float32Bytes(values, offset), "float32", [3]);
      expect(Array.from(data)).toEqual(values.map(Math.fround));
      expect(data.byteOffset).toBe(0);
    }
  });

  it("decodes uint8 from a DataView, an ArrayBuffer and a Uint8Array", () => {
    const buffer = new Uint8Array([9, 9, 9, 0, 1, 128, 255, 7, 9]).buffer;
    const fromView = decodeArray(new DataView(buffer, 3, 5), "uint8", [5]);
    expect(Array.from(fromView.data)).toEqual([0, 1, 128, 255, 7]);
    expect(fromView.data).toBeInstanceOf(Uint8Array);
    const fromArray = decodeArray(new Uint8Array(buffer, 3, 4), "uint8", [2, 2]);
    expect(Array.from(fromArray.data)).toEqual([0, 1, 128, 255]);
    const whole = decodeArray(buffer, "uint8", [3, 3]);
    expect(whole.data.length).toBe(9);
  });

  it("decodes float32 from a plain ArrayBuffer", () => {
    const array = new Float32Array([1, 2, 3, 4]);
    const { data } = decodeArray(array.buffer, "float32", [1, 2, 2]);
    expect(Array.from(data)).toEqual([1, 2, 3, 4]);
  });

  it("decodes float16 special values: zeros, subnormals, normals, infinities, NaN", () => {
    const cases: [number, number][] = [
      [0x0000, 0],
      [0x0001, 2 ** -24], // smallest subnormal
      [0x0200, 2 ** -15],
      [0x03ff, 1023 * 2 ** -24], // largest subnormal
      [0x0400, 2 ** -14], // smallest normal
      [0x3c00, 1],
      [0x3c01, 1 + 2 ** -10],
      [0x3555, 0.333251953125],
      [0xc000, -2],
      [0x7bff, 65504], // largest finite
      [0xfbff, -65504],
      [0x7c00, Infinity],
      [0xfc00, -Infinity],
      [0x8001, -(2 ** -24)],
    ];
    // Offset 3 is odd, so this also goes through the unaligned copy.
    const { data } = decodeArray(halfBytes(cases.map(([bits]) => bits), 3), "float16", [cases.length]);
    expect(data).toBeInstanceOf(Float32Array);
    cases.forEach(([bits, expected], i) => {
      expect(data[i], `bits 0x${bits.toString(16)}`).toBe(expected);
    });
  });

  it("keeps the sign of negative zero and decodes every NaN pattern as NaN", () => {
    const { data } = decodeArray(halfBytes([0x8000, 0x7e00, 0x7c01, 0xfe00, 0xffff], 2), "float16", [5]);
    expect(Object.is(data[0], -0)).toBe(true);
    for (let i = 1; i < 5; i++) expect(Number.isNaN(data[i])).toBe(true);
  });

  it("agrees with an independent encoder on every finite half value", () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const exponent = (bits >> 10) & 0x1f;
      const value = halfToFloat(bits);
      if (exponent === 0x1f) continue;
      if (floatToHalfBits(value) !== bits) {
        throw new Error(`0x${bits.toString(16)} decoded to ${value}, which encodes as 0x${floatToHalfBits(value).toString(16)}`);
      }
    }
  });

  it("throws a clear error when the byte count does not match the shape", () => {
    const view = float32Bytes([1, 2, 3], 4);
    expect(() => decodeArray(view, "float32", [2, 2])).toThrow(/shape \[2, 2\] needs 16 bytes \(4 elements\), got 12 bytes/);
    expect(() => decodeArray(view, "float16", [3])).toThrow(/needs 6 bytes/);
    expect(() => decodeArray(new Uint8Array(5), "float32", [1])).toThrow(/got 5 bytes/);
  });

  it("rejects unknown dtypes and malformed shapes", () => {
    expect(() => decodeArray(new Uint8Array(8), "float64" as never, [1])).toThrow(/Unsupported dtype "float64"/);
    expect(() => decodeArray(new Uint8Array(4), "uint8", [2, -2])).toThrow(/non-negative integer/);
    expect(() => decodeArray(new Uint8Array(4), "uint8", [1.5, 2])).toThrow(/non-negative integer/);
    expect(() => decodeArray(null as never, "uint8", [0])).toThrow(/Expected bytes/);
  });

  it("counts elements like numpy, a scalar shape holding one", () => {
    expect(elementCount([])).toBe(1);
    expect(elementCount([3, 0, 2])).toBe(0);
    expect(elementCount([2, 3, 4])).toBe(24);
    expect(decodeArray(new Uint8Array(0), "float32", [0, 5]).data.length).toBe(0);
  });
});

describe("decodeWire", () => {
  it("decodes {data, dtype, shape} from a DataView with a non-zero byteOffset", () => {
    const view = float32Bytes([1.5, -2, 3, 4], 8);
    const decoded = decodeWire({ data: view, dtype: "float32", shape: [2, 2] }, "attribution");
    expect(decoded!.shape).toEqual([2, 2]);
    expect(Array.from(decoded!.data)).toEqual([1.5, -2, 3, 4]);
    expect(decoded!.data.byteOffset).toBe(8);
    const half = decodeWire({ data: halfBytes([0x3c00, 0xc000], 3), dtype: "float16", shape: [2] }, "values");
    expect(Array.from(half!.data)).toEqual([1, -2]);
  });

  it("names the trait when the byte count does not match the shape", () => {
    const value = { data: float32Bytes([1, 2, 3], 4), dtype: "float32", shape: [2, 2] };
    expect(() => decodeWire(value, "attribution")).toThrow(/^attribution: .*needs 16 bytes \(4 elements\), got 12 bytes/);
    expect(() => decodeWire({ ...value, shape: [2, -1] }, "mask")).toThrow(/^mask: .*non-negative integer/);
  });

  it("gives null for a missing or empty array, the trait's default", () => {
    expect(decodeWire(null, "image")).toBeNull();
    expect(decodeWire(undefined, "image")).toBeNull();
    expect(decodeWire({ data: new DataView(new ArrayBuffer(0)), dtype: "uint8", shape: [0] }, "image")).toBeNull();
    expect(decodeWire({ data: new Uint8Array(0), dtype: "float16", shape: [0, 3, 4] }, "image")).toBeNull();
    // Zero elements but some bytes: malformed, not empty.
    expect(() => decodeWire({ data: new Uint8Array(4), dtype: "uint8", shape: [0] }, "image")).toThrow(/^image: .*got 4 bytes/);
  });

  it("rejects values that are not an array dict, or an unknown dtype, naming the trait", () => {
    expect(() => decodeWire(new DataView(new ArrayBuffer(4)), "image")).toThrow(/^image: expected an array as \{data: bytes, dtype, shape\}, got DataView/);
    expect(() => decodeWire({ data: new Uint8Array(4), dtype: "uint8" }, "samples")).toThrow(/^samples: expected an array/);
    expect(() => decodeWire({ data: [1, 2], dtype: "uint8", shape: [2] }, "samples")).toThrow(/^samples: expected an array/);
    expect(() => decodeWire({ data: new Uint8Array(8), dtype: "float64", shape: [1] }, "values")).toThrow(/^values: unsupported dtype "float64"/);
  });

  it("counts an array's bytes without decoding it", () => {
    expect(wireByteLength({ data: float32Bytes([1, 2], 4), dtype: "float32", shape: [2] })).toBe(8);
    expect(wireByteLength({ data: new DataView(new ArrayBuffer(0)), dtype: "uint8", shape: [0] })).toBe(0);
    expect(wireByteLength(null)).toBe(0);
    expect(wireByteLength({ dtype: "uint8" })).toBe(0);
  });
});
