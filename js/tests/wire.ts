/** Array trait values as Python's `Array` trait sends them: `{data, dtype, shape}`. */
import type { DType, WireArray } from "../src/lib/decode";

export function wire(data: DataView, dtype: DType, shape: number[]): WireArray {
  return { data, dtype, shape };
}
