// The service worker's read of `baton-profiles` (the page owns it): which server and token a device id belongs to.
/// <reference lib="webworker" />

export interface WorkerProfile {
  readonly id: string;
  readonly server: string;
  readonly token: string;
  readonly deviceId: string;
}

/** Every paired server profile; empty when the page never made the database (the worker never creates it). */
export function readProfiles(): Promise<WorkerProfile[]> {
  return new Promise((resolve) => {
    const req = indexedDB.open('baton-profiles');
    // No database yet: creating it here would leave it without its stores (the page's upgrade would never run).
    req.onupgradeneeded = () => req.transaction?.abort();
    req.onerror = () => resolve([]);
    req.onblocked = () => resolve([]);
    req.onsuccess = () => {
      const db = req.result;
      try {
        const all = db.transaction('profiles', 'readonly').objectStore('profiles').getAll();
        all.onsuccess = () => {
          db.close();
          resolve(all.result as WorkerProfile[]);
        };
        all.onerror = () => {
          db.close();
          resolve([]);
        };
      } catch {
        db.close();
        resolve([]);
      }
    };
  });
}

export async function profileOfDevice(deviceId: string): Promise<WorkerProfile | null> {
  return (await readProfiles()).find((p) => p.deviceId === deviceId) ?? null;
}
