// Times as people read them, relative or local — never a raw ISO string: "just now", "5 min ago", "14:02", "tomorrow at 09:30".
// Servers send times as numbers; every client (phone, terminal) phrases them with these.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAY_MS = 24 * 60 * 60_000;

const hm = (d: Date) => `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;

/** A past time, short: "just now", "5 min ago", "14:02" (today), "3 Mar 14:02". */
export function formatTime(at: number, now: number): string {
  const d = Math.max(0, now - at);
  if (d < 45_000) return 'just now';
  if (d < 60 * 60_000) return `${Math.round(d / 60_000)} min ago`;
  const date = new Date(at);
  if (new Date(now).toDateString() === date.toDateString()) return hm(date);
  return `${date.getDate()} ${MONTHS[date.getMonth()]} ${hm(date)}`;
}

/** A coming time, for deadlines: "in 4 min", "at 18:30", "tomorrow at 09:30", "on 3 Mar at 14:02". */
export function formatUntil(at: number, now: number): string {
  const d = at - now;
  if (d <= 0) return 'now';
  if (d < 60_000) return 'in under a minute';
  if (d < 60 * 60_000) return `in ${Math.ceil(d / 60_000)} min`;
  const date = new Date(at);
  if (new Date(now).toDateString() === date.toDateString()) return `at ${hm(date)}`;
  if (new Date(now + DAY_MS).toDateString() === date.toDateString()) return `tomorrow at ${hm(date)}`;
  return `on ${date.getDate()} ${MONTHS[date.getMonth()]} at ${hm(date)}`;
}

/** A clock time that does not drift ("as of 14:02:31"), for freshness lines. */
export function formatClock(at: number): string {
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}
