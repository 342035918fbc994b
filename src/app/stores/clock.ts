// A coarse clock for "5 min ago" labels: ticks every 30 s while someone listens.
import { atom, onMount } from 'nanostores';

export const $now = atom(Date.now());
onMount($now, () => {
  $now.set(Date.now());
  const t = setInterval(() => $now.set(Date.now()), 30_000);
  return () => clearInterval(t);
});
