// How much the agent may do without asking: a choice for new sessions, and the session's mode shown plainly with a way to change it.
import { createSignal, For, Show, type JSX } from 'solid-js';
import {
  CODEX_APPROVAL_POLICIES, CODEX_SANDBOXES, DEFAULT_PERMISSION_MODE, PERMISSION_MODES, codexMode, describePermissionMode,
} from '../../core/permission-modes.ts';
import type { Backend } from '../../core/providers.ts';

/** A mode picker for `backend` (Codex: approval policy and sandbox apart). Renders nothing for a backend without modes. */
export function PermissionModePicker(props: { backend: Backend; value: string | null; onChange: (mode: string) => void }): JSX.Element {
  const current = () => props.value ?? DEFAULT_PERMISSION_MODE[props.backend];
  return (
    <Show when={props.backend === 'codex-app-server'} fallback={
      <Show when={PERMISSION_MODES[props.backend].length > 0}>
        <label>
          Permissions
          <select name="permissionMode" value={current() ?? ''} onChange={(e) => props.onChange(e.currentTarget.value)}>
            <For each={PERMISSION_MODES[props.backend]}>{(m) => <option value={m.id}>{m.label}</option>}</For>
          </select>
          <span class="muted small block-line">{describePermissionMode(props.backend, current())?.detail}</span>
        </label>
      </Show>
    }>
      {(() => {
        const parts = () => codexMode(current());
        return (
          <>
            <label>
              Approvals
              <select name="approvalPolicy" value={parts().approvalPolicy} onChange={(e) => props.onChange(`${e.currentTarget.value}/${parts().sandbox}`)}>
                <For each={CODEX_APPROVAL_POLICIES}>{(m) => <option value={m.id}>{m.label}</option>}</For>
              </select>
              <span class="muted small block-line">{CODEX_APPROVAL_POLICIES.find((m) => m.id === parts().approvalPolicy)?.detail}</span>
            </label>
            <label>
              Sandbox
              <select name="sandbox" value={parts().sandbox} onChange={(e) => props.onChange(`${parts().approvalPolicy}/${e.currentTarget.value}`)}>
                <For each={CODEX_SANDBOXES}>{(m) => <option value={m.id}>{m.label}</option>}</For>
              </select>
              <span class="muted small block-line">{CODEX_SANDBOXES.find((m) => m.id === parts().sandbox)?.detail}</span>
            </label>
          </>
        );
      })()}
    </Show>
  );
}

/** The session's mode in words, with a Change button that opens the picker in place. */
export function PermissionModeLine(props: { backend: Backend; mode: string | null; canChange: boolean; onChange: (mode: string) => Promise<void> }): JSX.Element {
  const [editing, setEditing] = createSignal(false);
  const [draft, setDraft] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const described = () => describePermissionMode(props.backend, props.mode);
  return (
    <Show when={described()}>
      <div class="mode-line" data-mode={described()!.id}>
        <Show when={!editing()} fallback={
          <form class="mode-form" onSubmit={(e) => {
            e.preventDefault();
            const next = draft();
            if (!next) return setEditing(false);
            setBusy(true);
            void props.onChange(next).finally(() => {
              setBusy(false);
              setEditing(false);
            });
          }}>
            <PermissionModePicker backend={props.backend} value={draft() ?? props.mode} onChange={setDraft} />
            <div class="actions">
              <button type="button" class="btn small" onClick={() => setEditing(false)}>Cancel</button>
              <button type="submit" class="btn small primary" disabled={busy()}>Use this mode</button>
            </div>
          </form>
        }>
          <span class="small" title={described()!.detail}><span class="muted">Mode:</span> <strong>{described()!.label}</strong></span>
          <Show when={props.canChange}>
            <button type="button" class="btn small" aria-label="Change permission mode" onClick={() => { setDraft(null); setEditing(true); }}>Change</button>
          </Show>
        </Show>
      </div>
    </Show>
  );
}
