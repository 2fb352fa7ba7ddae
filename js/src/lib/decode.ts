/**
 * Decodes an array that crossed the wire: one trait whose value is `{data, dtype, shape}`
 * (Python's `Array` trait; the bytes arrive as a binary buffer), into a typed array.
 */

export type DType = "float16" | "float32" | "uint8";

/** What a bytes trait can arrive as: a DataView normally, an ArrayBuffer or Uint8Array sometimes. */
export type BytesLike = DataView | ArrayBuffer | ArrayBufferView;

/** A dense row-major (C-order) array: the typed data and its shape. */
export interface NDArray {
  data: Float32Array | Uint8Array;
  shape: number[];
}

const ITEM_SIZE: Record<DType, number> = { float16: 2, float32: 4, uint8: 1 };

export function isDType(value: unknown): value is DType {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(ITEM_SIZE, value);
}

/** Number of elements a shape holds (1 for a scalar shape `[]`); throws on a malformed shape. */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) {
    if (!Number.isInteger(dim) || dim < 0) {
      throw new Error(`Invalid shape [${shape.join(", ")}]: every dimension must be a non-negative integer.`);
    }
    count *= dim;
  }
  return count;
}

/** The bytes as `[buffer, byteOffset, byteLength]`, whatever view they came in. */
function byteRange(bytes: BytesLike): [ArrayBufferLike, number, number] {
  if (bytes instanceof ArrayBuffer) return [bytes, 0, bytes.byteLength];
  if (ArrayBuffer.isView(bytes)) return [bytes.buffer, bytes.byteOffset, bytes.byteLength];
  // SharedArrayBuffer and buffers from another realm fail `instanceof ArrayBuffer`.
  const maybe = bytes as { byteLength?: unknown } | null | undefined;
  if (typeof maybe === "object" && maybe !== null && typeof maybe.byteLength === "number") return [bytes as ArrayBufferLike, 0, maybe.byteLength];
  throw new Error(`Expected bytes (DataView, ArrayBuffer or Uint8Array), got ${describe(bytes)}.`);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return (value as object).constructor?.name ?? "object";
  return typeof value;
}

/** The bytes as a Uint8Array on the same memory. */
export function byteView(bytes: BytesLike): Uint8Array {
  const [buffer, byteOffset, byteLength] = byteRange(bytes);
  return new Uint8Array(buffer, byteOffset, byteLength);
}

/**
 * The bytes as a buffer whose start is aligned to `itemSize`, without copying when it
 * already is: typed-array views need an aligned offset, a sliced DataView may not have one.
 */
function alignedRange(bytes: BytesLike, itemSize: number): [ArrayBufferLike, number, number] {
  const [buffer, byteOffset, byteLength] = byteRange(bytes);
  if (byteOffset % itemSize === 0) return [buffer, byteOffset, byteLength];
  const copy = new Uint8Array(byteLength);
  copy.set(new Uint8Array(buffer, byteOffset, byteLength));
  return [copy.buffer, 0, byteLength];
}

let halfTable: Float32Array | null = null;

/** IEEE 754 binary16 bit pattern to its value, subnormals, infinities and NaN included. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** All 65,536 half values, built once: a table lookup per element beats the arithmetic. */
function halfLookup(): Float32Array {
  if (halfTable === null) {
    halfTable = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) halfTable[bits] = halfToFloat(bits);
  }
  return halfTable;
}

/**
 * Decode `bytes` holding a little-endian, C-order array of `dtype` and `shape`.
 * float32 and uint8 are views on the same memory when the offset is aligned (no copy);
 * float16 is widened to a new Float32Array. Throws when the byte count does not match.
 */
export function decodeArray(bytes: BytesLike, dtype: DType, shape: readonly number[]): NDArray {
  if (!isDType(dtype)) {
    throw new Error(`Unsupported dtype "${String(dtype)}": expected "float16", "float32" or "uint8".`);
  }
  const itemSize = ITEM_SIZE[dtype];
  const expected = elementCount(shape);
  const [, , byteLength] = byteRange(bytes);
  if (byteLength !== expected * itemSize) {
    throw new Error(
      `Array of dtype ${dtype} and shape [${shape.join(", ")}] needs ${expected * itemSize} bytes ` +
        `(${expected} elements), got ${byteLength} bytes.`,
    );
  }
  const [buffer, byteOffset] = alignedRange(bytes, itemSize);
  const outShape = [...shape];
  if (dtype === "uint8") return { data: new Uint8Array(buffer, byteOffset, expected), shape: outShape };
  if (dtype === "float32") return { data: new Float32Array(buffer, byteOffset, expected), shape: outShape };
  const bits = new Uint16Array(buffer, byteOffset, expected);
  const table = halfLookup();
  const data = new Float32Array(expected);
  for (let i = 0; i < expected; i++) data[i] = table[bits[i]];
  return { data, shape: outShape };
}

/** An array trait's value as it arrives: C-order, little-endian bytes with their dtype and shape. */
export interface WireArray {
  data: BytesLike;
  dtype: DType;
  shape: number[];
}

/** Bytes in any form byteRange reads, a SharedArrayBuffer or another realm's buffer included. */
export function isBytes(value: unknown): value is BytesLike {
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return true;
  return typeof value === "object" && value !== null && typeof (value as { byteLength?: unknown }).byteLength === "number";
}

/**
 * Decode an array trait's value. Null when it is missing or holds no elements (the empty
 * default); throws, naming the trait, when it is not a `{data, dtype, shape}` dict or its
 * parts disagree.
 */
export function decodeWire(value: unknown, name: string): NDArray | null {
  if (value === null || value === undefined) return null;
  const wire = value as Partial<Record<keyof WireArray, unknown>>;
  if (typeof value !== "object" || !isBytes(wire.data) || !Array.isArray(wire.shape)) {
    throw new Error(`${name}: expected an array as {data: bytes, dtype, shape}, got ${describe(value)}.`);
  }
  if (!isDType(wire.dtype)) throw new Error(`${name}: unsupported dtype "${String(wire.dtype)}".`);
  try {
    if (elementCount(wire.shape) === 0 && wire.data.byteLength === 0) return null;
    return decodeArray(wire.data, wire.dtype, wire.shape);
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}`);
  }
}

/** How many bytes an array trait's value holds (0 when it is missing or malformed). */
export function wireByteLength(value: unknown): number {
  const data = (value as Partial<WireArray> | null | undefined)?.data;
  return isBytes(data) ? byteView(data).byteLength : 0;
}
