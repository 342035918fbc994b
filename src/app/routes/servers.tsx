// Server profiles: switch, rename, remove, add.
import { useStore } from '@nanostores/solid';
import { createSignal, For, Show, type JSX } from 'solid-js';
import { PairForm } from '../components/pair-form.tsx';
import { $activeProfileId, $profiles, removeProfile, renameProfile, switchProfile } from '../stores/profiles.ts';

export default function Servers(): JSX.Element {
  const profiles = useStore($profiles);
  const active = useStore($activeProfileId);
  const [renaming, setRenaming] = createSignal<string | null>(null);
  const [adding, setAdding] = createSignal(false);
  return (
    <>
      <header class="topbar">
        <div class="topbar-title"><h1>Servers</h1></div>
      </header>
      <main class="page" id="main">
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
                      if (confirm(`Remove ${p.name}? Its cached sessions and unsent messages on this phone are deleted.`)) void removeProfile(p.id);
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
