// Defers work until the next frame has painted, so it does not sit between new content and the screen.

/**
 * Resolves once the next frame has painted: the task after the frame's requestAnimationFrame. A hidden
 * page paints no frames, so `latestMs` bounds the wait; outside a browser it resolves at once.
 */
export function afterNextPaint(latestMs = 200): Promise<void> {
  if (typeof requestAnimationFrame !== 'function') return Promise.resolve();
  return new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
    setTimeout(resolve, latestMs);
  });
}
