// Run work when the main thread is idle; where there is no requestIdleCallback (WebKit), soon after on a timer.

/** Runs `fn` when the main thread is idle (at the latest after `timeout` ms); returns a disposer. */
export function whenIdle(fn: () => void, timeout: number): () => void {
  if (typeof requestIdleCallback === 'function') {
    const id = requestIdleCallback(fn, { timeout });
    return () => cancelIdleCallback(id);
  }
  // About a frame later: the rows still arrive in chunks, without starving the first paint.
  const id = setTimeout(fn, 16);
  return () => clearTimeout(id);
}
