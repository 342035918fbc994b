// A nanostores atom as a plain Solid accessor. `useStore` reconciles values into a Solid store, which
// updates old objects in place; code that caches by object identity (the transcript's rows) then sees
// a changed message as unchanged. This hands out the atom's own, immutable values instead.
import { createSignal, onCleanup, type Accessor } from 'solid-js';
import type { ReadableAtom } from 'nanostores';

export function createAtomSignal<T>(store: ReadableAtom<T>): Accessor<T> {
  const [value, setValue] = createSignal<T>(store.get());
  onCleanup(store.subscribe((v) => setValue(() => v)));
  return value;
}
