/** Typed access to a view's traits through anywidget's model: reads, and writes of user intent. */
import type { AnyModel } from "@anywidget/types";

export type ReadTrait<T> = <K extends keyof T & string>(name: K) => T[K] | undefined;
/** Writes one trait and sends it to Python. */
export type WriteTrait<T> = <K extends keyof T & string>(name: K, value: T[K]) => void;

export function traitAccess<T extends object>(model: AnyModel<T>): { read: ReadTrait<T>; write: WriteTrait<T> } {
  return {
    read: (name) => model.get(name),
    write: (name, value) => {
      model.set(name, value);
      model.save_changes();
    },
  };
}

/** Call `onChange` on a change of any of `names`; returns the function that stops it. */
export function watchTraits<T extends object>(model: AnyModel<T>, names: readonly (keyof T & string)[], onChange: () => void): () => void {
  const events = names.map((name) => `change:${name}` as const);
  for (const event of events) model.on(event, onChange);
  return () => {
    for (const event of events) model.off(event, onChange);
  };
}

/**
 * A writer for a component that knows only some of a view's traits (`S`, declared with the
 * view's own types). TypeScript cannot relate the two generic signatures, hence the cast.
 */
export function narrowWriter<T extends S, S>(write: WriteTrait<T>): WriteTrait<S> {
  return write as unknown as WriteTrait<S>;
}
