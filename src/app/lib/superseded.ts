// Messages a retry or an edit replaced: their failed bubbles are not shown again (the new send is the one that
// counts). Kept per cache (one per server profile) in localStorage, so they stay hidden after the outbox forgets them.
const MAX = 500;
const key = (dbName: string) => `baton-superseded:${dbName}`;

export function readSuperseded(dbName: string): Set<string> {
  try {
    const v = JSON.parse(localStorage.getItem(key(dbName)) ?? '[]') as unknown;
    return new Set(Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}

export function addSuperseded(dbName: string, clientId: string): Set<string> {
  const set = readSuperseded(dbName);
  set.add(clientId);
  const list = [...set].slice(-MAX);
  try {
    localStorage.setItem(key(dbName), JSON.stringify(list));
  } catch {
    // storage full or blocked: the old bubble shows again, nothing is lost
  }
  return new Set(list);
}
