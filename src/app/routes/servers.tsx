// Server profiles: switch, rename, remove, add.
import { useStore } from '@nanostores/solid';
import { createSignal, For, Show, type JSX } from 'solid-js';
import { PairForm } from '../components/pair-form.tsx';
import { $activeProfileId, $profiles, removeProfile, renameProfile, switchProfile, type RemoveOutcome } from '../stores/profiles.ts';

/** What the screen says once a server was removed: whether its token still works there. */
function removedText(name: string, o: RemoveOutcome): string {
  if (o.revoked === true) return `Removed ${name}. Its token was revoked on the server.`;
  if (o.revoked === 'already') return `Removed ${name}. The server no longer accepted its token.`;
  return `Removed ${name} from this phone, but its token was not revoked: ${o.why}. Revoke this phone in Settings → Devices from another device, or on the server.`;
}

export default function Servers(): JSX.Element {
  const profiles = useStore($profiles);
  const active = useStore($activeProfileId);
  const [renaming, setRenaming] = createSignal<string | null>(null);
  const [adding, setAdding] = createSignal(false);
  const [removed, setRemoved] = createSignal<{ text: string; ok: boolean } | null>(null);
  return (
    <>
      <header class="topbar">
        <div class="topbar-title"><h1>Servers</h1></div>
      </header>
      <main class="page" id="main">
        <Show when={removed()}>
          <p class={removed()!.ok ? 'banner' : 'banner banner-warn'} role="status">{removed()!.text}</p>
        </Show>
        <ul class="profile-list">
          <For each={profiles()}>
            {(p) => (
              <li class="card" aria-current={p.id === active() ? 'true' : undefined}>
                <Show
                  when={renaming() === p.id}
                  fallback={
                    <div class="profile-head">
                      <div>
                        <strong>{p.name}</strong>
                        <Show when={p.id === active()}>
                          <span class="chip chip-live">in use</span>
                        </Show>
                        <div class="muted small mono">{p.server}</div>
                      </div>
                    </div>
                  }
                >
                  <form
                    class="inline-form"
                    onSubmit={(e) => {
                      e.preventDefault();
                      const name = new FormData(e.currentTarget).get('name');
                      void renameProfile(p.id, String(name ?? '')).then(() => setRenaming(null));
                    }}
                  >
                    <input name="name" aria-label="Server name" value={p.name} maxLength={100} />
                    <button type="submit" class="btn small primary">Save</button>
                  </form>
                </Show>
                <div class="actions">
                  <Show when={p.id !== active()}>
                    <button type="button" class="btn small primary" onClick={() => void switchProfile(p.id)}>Use</button>
                  </Show>
                  <button type="button" class="btn small" onClick={() => setRenaming(p.id)}>Rename</button>
                  <button
                    type="button"
                    class="btn small danger"
                    onClick={() => {
                      if (!confirm(`Remove ${p.name}? Its token is revoked on the server, and its cached sessions and unsent messages on this phone are deleted.`)) return;
                      const name = p.name;
                      void removeProfile(p.id).then((o) => setRemoved({ text: removedText(name, o), ok: o.revoked !== false }));
                    }}
                  >
                    Remove
                  </button>
                </div>
              </li>
            )}
          </For>
        </ul>
        <Show when={adding()} fallback={<button type="button" class="btn block" onClick={() => setAdding(true)}>Add a server</button>}>
          <PairForm />
        </Show>
      </main>
    </>
  );
}
