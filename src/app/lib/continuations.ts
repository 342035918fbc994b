// Which session was started from which ("Start a new session with this message"): kept on this phone, per server,
// so each of the two sessions can link to the other.
const KEY = 'baton-continuations';
const MAX = 200;

interface Link { readonly from: string; readonly to: string; readonly server: string }

function read(): Link[] {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? (v as Link[]) : [];
  } catch {
    return [];
  }
}

export function rememberContinuation(server: string, from: string, to: string): void {
  const links = [...read().filter((l) => !(l.server === server && l.to === to)), { from, to, server }].slice(-MAX);
  try {
    localStorage.setItem(KEY, JSON.stringify(links));
  } catch {
    // storage full or blocked: the links are a convenience
  }
}

/** The session this one was started from, and those started from it. */
export function continuationsOf(server: string, id: string): { from: string | null; to: string[] } {
  const links = read().filter((l) => l.server === server);
  return { from: links.find((l) => l.to === id)?.from ?? null, to: links.filter((l) => l.from === id).map((l) => l.to) };
}
