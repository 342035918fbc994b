// Asking the browser to keep the outbox: granted, refused, and the WebKit gap (no storage.persist).
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

const load = () => import('../../src/app/stores/storage-durability.ts');

describe('storage durability', () => {
  it('asks once, and says kept when the browser grants it', async () => {
    const persist = vi.fn(async () => true);
    vi.stubGlobal('navigator', { storage: { persist, persisted: async () => false } });
    const m = await load();
    expect(await m.checkStorageDurability()).toBe('best-effort');
    expect(await m.askToKeepStorage()).toBe('kept');
    expect(await m.askToKeepStorage()).toBe('kept');
    expect(persist).toHaveBeenCalledTimes(1);
  });

  it('says best effort when the browser refuses', async () => {
    vi.stubGlobal('navigator', { storage: { persist: async () => false, persisted: async () => false } });
    const m = await load();
    expect(await m.askToKeepStorage()).toBe('best-effort');
  });

  it('falls back without asking where there is no storage.persist (WebKit)', async () => {
    vi.stubGlobal('navigator', { storage: { estimate: async () => ({}) } });
    const m = await load();
    expect(await m.askToKeepStorage()).toBe('unsupported');
    expect(m.$storageDurability.get()).toBe('unsupported');
    vi.stubGlobal('navigator', {});
    expect(await m.checkStorageDurability()).toBe('unsupported');
  });
});
