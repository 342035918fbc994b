// Short human times for chips and "as of" lines: "just now", "5 min ago", "14:02", "3 Mar 14:02".
export function formatTime(at: number, now: number): string {
  const d = Math.max(0, now - at);
  if (d < 45_000) return 'just now';
  if (d < 60 * 60_000) return `${Math.round(d / 60_000)} min ago`;
  const date = new Date(at);
  const hm = `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
  if (new Date(now).toDateString() === date.toDateString()) return hm;
  return `${date.getDate()} ${MONTHS[date.getMonth()]} ${hm}`;
}
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A clock time that does not drift ("as of 14:02:31"), for freshness lines. */
export function formatClock(at: number): string {
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}
