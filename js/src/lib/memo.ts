/**
 * Caches for the redraw pipeline: a value recomputed only when its key changes, and a version
 * number for a wire array that moves only when its content does.
 */
import { byteView, isBytes, type WireArray } from "./decode";

/** A cached value recomputed only when its key changes; `version` counts recomputations. */
export class Memo<T> {
  private key: string | undefined;
  value: T | undefined;
  version = 0;

  get(key: string, compute: () => T): T {
    if (key !== this.key) {
      // On a throw the old key stays, so the next frame tries again.
      this.value = compute();
      this.key = key;
      this.version++;
    }
    return this.value as T;
  }

  reset(): void {
    this.key = undefined;
    this.value = undefined;
  }
}

function bytesOf(value: unknown): Uint8Array | null {
  const data = (value as Partial<WireArray> | null | undefined)?.data;
  return isBytes(data) ? byteView(data) : null;
}

/** Whether two array trait values hold the same array; anything that is not one never matches. */
function sameArray(a: unknown, b: unknown): boolean {
  const [x, y] = [a as Partial<WireArray> | null | undefined, b as Partial<WireArray> | null | undefined];
  if (x?.dtype !== y?.dtype || String(x?.shape) !== String(y?.shape)) return false;
  const [p, q] = [bytesOf(a), bytesOf(b)];
  if (!p || !q || p.byteLength !== q.byteLength) return false;
  for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) return false;
  return true;
}

/**
 * A version for an array trait's value. Python resends a whole dict (the explorer's `panels`)
 * when one entry changes, so a new object with the same dtype, shape and bytes keeps its version.
 */
export class WireVersion {
  private last: unknown = undefined;
  version = 0;

  track(value: unknown): number {
    if (value !== this.last) {
      if (!sameArray(this.last, value)) this.version++;
      this.last = value;
    }
    return this.version;
  }
}
