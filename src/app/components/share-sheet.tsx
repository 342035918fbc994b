// Create a read-only link to this session with an expiry; copy it or hand it to the Web Share API.
import { createSignal, For, onCleanup, onMount, Show, type JSX } from 'solid-js';
import { errorText } from '../lib/api-client.ts';
import { copyText } from '../lib/copy-text.ts';
import type { ShareRecord } from '../../core/records.ts';
import { formatClock } from '../lib/time.ts';
import { createShare, listShares, revokeShare, type CreatedShare } from '../stores/session-actions.ts';

const EXPIRIES = [
  { label: '1 hour', seconds: 3600 },
  { label: '1 day', seconds: 86_400 },
  { label: '7 days', seconds: 7 * 86_400 },
];

export function ShareSheet(props: { sessionId: string; title: string; onClose: () => void }): JSX.Element {
  const [expiry, setExpiry] = createSignal(86_400);
  const [share, setShare] = createSignal<CreatedShare | null>(null);
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const [copied, setCopied] = createSignal(false);
  // The links already given out: each can be revoked here (their viewers are cut off at once).
  const [links, setLinks] = createSignal<readonly ShareRecord[]>([]);
  const loadLinks = async () => {
    try {
      setLinks((await listShares(props.sessionId)).filter((l) => !l.revoked && l.expiresAt > Date.now()).sort((a, b) => b.createdAt - a.createdAt));
    } catch {
      // offline: the list shows what it had
    }
  };
  onMount(() => void loadLinks());
  const revoke = async (id: string) => {
    setError(null);
    try {
      await revokeShare(id);
      await loadLinks();
    } catch (e) {
      setError(errorText(e));
    }
  };
  const canShare = typeof navigator !== 'undefined' && 'share' in navigator;
  // A modal sheet: focus moves into it, Escape closes it, and focus goes back to what opened it.
  let sheet!: HTMLElement;
  const opener = typeof document === 'undefined' ? null : (document.activeElement as HTMLElement | null);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') props.onClose();
    if (e.key !== 'Tab') return;
    // Keep Tab inside the sheet while it is open (the page behind is inert for the user).
    const items = [...sheet.querySelectorAll<HTMLElement>('button:not([disabled]), input')];
    const first = items[0];
    const last = items.at(-1);
    if (!first || !last) return;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    } else if (!sheet.contains(document.activeElement)) {
      e.preventDefault();
      first.focus();
    }
  };
  onMount(() => {
    sheet.querySelector<HTMLElement>('button, input')?.focus();
    document.addEventListener('keydown', onKey);
  });
  onCleanup(() => {
    document.removeEventListener('keydown', onKey);
    opener?.focus();
  });

  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      setShare(await createShare(props.sessionId, expiry()));
      void loadLinks();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="sheet-backdrop" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <section class="sheet" ref={sheet} role="dialog" aria-modal="true" aria-label="Share a read-only link">
        <h2>Share read-only</h2>
        <p class="muted small">Anyone with the link can watch this session live until it expires. They cannot send anything.</p>
        <Show
          when={share()}
          fallback={
            <>
              <div class="segmented" role="group" aria-label="Link expires after">
                <For each={EXPIRIES}>
                  {(e) => (
                    <button type="button" aria-pressed={expiry() === e.seconds} onClick={() => setExpiry(e.seconds)}>
                      {e.label}
                    </button>
                  )}
                </For>
              </div>
              <div class="actions">
                <button type="button" class="btn" onClick={props.onClose}>Cancel</button>
                <button type="button" class="btn primary" disabled={busy()} onClick={create}>Create link</button>
              </div>
            </>
          }
        >
          <input class="mono share-url" readOnly value={share()!.url} aria-label="Share link" onFocus={(e) => e.currentTarget.select()} />
          <p class="muted small">Expires {new Date(share()!.expiresAt).toLocaleString()}</p>
          <div class="actions">
            <button type="button" class="btn" onClick={async () => setCopied(await copyText(share()!.url))}>{copied() ? 'Copied' : 'Copy link'}</button>
            <Show when={canShare}>
              <button type="button" class="btn" onClick={() => navigator.share({ title: props.title, url: share()!.url }).catch(() => {})}>Share…</button>
            </Show>
            <button type="button" class="btn primary" onClick={props.onClose}>Done</button>
          </div>
        </Show>
        <Show when={links().length > 0}>
          <h3 class="small">Links given out</h3>
          <ul class="share-list" aria-label="Share links">
            <For each={links()}>
              {(l) => (
                <li class="share-item">
                  <span class="small">Made {formatClock(l.createdAt)} · expires {new Date(l.expiresAt).toLocaleString()}</span>
                  <button type="button" class="btn small danger" onClick={() => void revoke(l.id)}>Revoke</button>
                </li>
              )}
            </For>
          </ul>
        </Show>
        <Show when={error()}>
          <p class="error" role="alert">{error()}</p>
        </Show>
      </section>
    </div>
  );
}
