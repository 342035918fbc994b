// A permission request that shows exactly what Allow approves: the whole input, wrapped and never cut (folded when
// long, and Allow only once it was shown whole), hidden characters marked, edits as diffs, the vendor's own words.
// Allow carries the SHA-256 of the very input string shown, so the server refuses it for anything else.
import { createSignal, For, Show, type JSX } from 'solid-js';
import { parseToolInput } from '../../../core/agent-entries.ts';
import { countHidden, revealInvisible } from '../../../core/invisible.ts';
import type { MessageRecord, PermissionInfo } from '../../../core/records.ts';
import { sha256Hex } from '../../../core/sha256.ts';
import { renderMarkdown } from '../../lib/markdown/md-dom.ts';
import { diffView } from './diff-view.ts';
import { toolKind } from './tool-card.tsx';
import { VisibleText } from './visible-text.tsx';

export interface PermissionAnswer {
  readonly decision: 'allow' | 'deny';
  /** SHA-256 hex of the input this card showed (`permissionInputHash`). */
  readonly inputHash: string;
  readonly scope: 'once' | 'session';
}

/** Inputs longer than this (as shown, hidden characters as their marks) start folded; Allow unfolds them first. */
export const FOLD_VISIBLE_CHARS = 1_200;
const FOLD_LINES = 16;

type Json = Record<string, unknown>;
type Change = Parameters<typeof diffView>[0];

/** The edits an input describes, in any vendor's shape (Claude Edit/MultiEdit/Write, Codex, ACP, OpenCode). */
export function inputChanges(obj: Json): { changes: Change[]; used: string[] } {
  const path = typeof obj.file_path === 'string' ? obj.file_path : typeof obj.filePath === 'string' ? obj.filePath : typeof obj.filepath === 'string' ? obj.filepath : null;
  if (path && typeof obj.old_string === 'string' && typeof obj.new_string === 'string') {
    return { changes: [{ path, kind: 'edit', before: obj.old_string, after: obj.new_string, patch: null, truncated: false }], used: ['file_path', 'old_string', 'new_string'] };
  }
  if (path && Array.isArray(obj.edits)) {
    const changes = (obj.edits as Json[]).map((e): Change => ({ path, kind: 'edit', before: String(e.old_string ?? ''), after: String(e.new_string ?? ''), patch: null, truncated: false }));
    return { changes, used: ['file_path', 'edits'] };
  }
  if (path && typeof obj.content === 'string') return { changes: [{ path, kind: 'add', before: null, after: obj.content, patch: null, truncated: false }], used: ['file_path', 'content'] };
  if (path && typeof obj.diff === 'string') return { changes: [{ path, kind: 'edit', before: null, after: null, patch: obj.diff, truncated: false }], used: ['filepath', 'filePath', 'diff'] };
  if (Array.isArray(obj.changes)) {
    const changes = (obj.changes as Json[]).filter((c) => typeof c?.path === 'string').map((c): Change => {
      const kind = c.kind === 'add' || c.kind === 'delete' ? c.kind : c.movePath ? 'move' : 'edit';
      if (typeof c.diff === 'string') return { path: c.path as string, kind, movePath: typeof c.movePath === 'string' ? c.movePath : undefined, before: null, after: null, patch: c.diff, truncated: false };
      return { path: c.path as string, kind: c.oldText === null || c.oldText === undefined ? 'add' : 'edit', before: (c.oldText as string | null) ?? null, after: String(c.newText ?? ''), patch: null, truncated: false };
    });
    return { changes, used: ['changes'] };
  }
  return { changes: [], used: [] };
}

function commandOf(obj: Json | null): string | null {
  if (!obj) return null;
  for (const k of ['command', 'cmd']) {
    const v = obj[k];
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(' ');
  }
  const raw = obj.rawInput;
  return raw && typeof raw === 'object' ? commandOf(raw as Json) : null;
}

const visibleLength = (text: string) => revealInvisible(text).reduce((n, s) => n + (s.kind === 'text' ? s.text.length : s.label.length + 2), 0);

function askSentence(p: PermissionInfo, hasChanges: boolean): string {
  const k = toolKind(p.tool);
  if (k === 'shell') return 'The agent asks to run this command';
  if (hasChanges || k === 'edit') return 'The agent asks to change files';
  if (p.tool === 'ExitPlanMode') return 'The agent asks you to approve its plan';
  return `The agent asks to use ${p.tool}`;
}

function fieldText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v, null, 2);
}

export function PermissionCard(props: { message: MessageRecord; onAnswer: ((a: PermissionAnswer) => void) | null }): JSX.Element {
  const p = () => props.message.permission!;
  const obj = () => parseToolInput(p().input);
  const command = () => commandOf(obj());
  const edits = () => (obj() ? inputChanges(obj()!) : { changes: [], used: [] });
  const plan = () => (p().tool === 'ExitPlanMode' && typeof obj()?.plan === 'string' ? (obj()!.plan as string) : null);
  const rest = () => {
    const o = obj();
    if (!o) return [];
    const skip = new Set(['command', 'cmd', 'description', ...(plan() !== null ? ['plan'] : []), ...edits().used]);
    return Object.entries(o).filter(([k, v]) => !skip.has(k) && v !== null && v !== undefined && v !== '');
  };
  const hidden = () => countHidden(p().input);
  const long = () => visibleLength(p().input) > FOLD_VISIBLE_CHARS || p().input.split('\n').length > FOLD_LINES;
  const [shown, setShown] = createSignal(false);
  const folded = () => long() && !shown();

  const answer = (decision: 'allow' | 'deny', scope: 'once' | 'session' = 'once') => {
    // Allow answers only what was on the screen: unfold first when the input was not shown whole.
    if (decision === 'allow' && folded()) return setShown(true);
    props.onAnswer?.({ decision, scope, inputHash: sha256Hex(p().input) });
  };

  return (
    <div class="msg msg-permission" role="group" aria-label={`Permission request: ${p().tool}`} data-input-length={p().input.length}>
      <p class="perm-ask">{askSentence(p(), edits().changes.length > 0)}</p>
      <Show when={p().title || p().description}>
        <p class="perm-vendor">
          Its own words: <q>{[p().title, p().description].filter(Boolean).join(' — ')}</q>
        </p>
      </Show>
      <Show when={hidden() > 0}>
        <p class="perm-warning" role="note">
          {hidden()} hidden {hidden() === 1 ? 'character or blank run is' : 'characters or blank runs are'} marked in red below.
        </p>
      </Show>
      <div class="perm-body" classList={{ folded: folded() }}>
        <Show when={command() !== null}>
          <pre class="perm-value perm-command" aria-label="Command"><VisibleText text={command()!} /></pre>
        </Show>
        <For each={edits().changes}>{(c) => diffView(c)}</For>
        <Show when={plan() !== null}>
          <div class="md">{renderMarkdown(plan()!)}</div>
        </Show>
        <For each={rest()}>
          {([key, value]) => (
            <div class="perm-field">
              <span class="key">{key}</span>
              <pre class="perm-value"><VisibleText text={fieldText(value)} /></pre>
            </div>
          )}
        </For>
        <Show when={obj() === null}>
          <pre class="perm-value"><VisibleText text={p().input} /></pre>
        </Show>
      </div>
      <Show when={long()}>
        <button type="button" class="btn small fold-toggle" aria-expanded={shown()} onClick={() => setShown(!shown())}>
          {shown() ? 'Show less' : `Show all ${p().input.length.toLocaleString('en-US')} characters`}
        </button>
      </Show>
      <Show when={obj() !== null}>
        <details class="perm-exact">
          <summary>Exact input (what Allow approves)</summary>
          <pre class="perm-value" aria-label="Exact input"><VisibleText text={p().input} /></pre>
        </details>
      </Show>
      <Show when={p().decision === null} fallback={<p class="perm-decision muted">{p().decision === 'expired' ? 'Not answered — the agent stopped before it got an answer' : p().decision === 'deny' ? 'Denied' : p().scope === 'session' ? 'Allowed for this session' : 'Allowed'}{p().answeredBy ? ` from “${p().answeredBy!.name}”` : ''}</p>}>
        <Show when={props.onAnswer} fallback={<p class="muted">Waiting for an answer</p>}>
          <Show when={p().inputTruncated}>
            <p class="perm-warning">This request is too long to show here in full, so it cannot be allowed from the phone. Deny it, or answer it on its machine.</p>
          </Show>
          <Show when={p().sessionScope && p().sessionScopeDetail && !p().inputTruncated}>
            <p class="muted small">“Allow for this session” also allows, without asking again: <span class="mono">{p().sessionScopeDetail}</span></p>
          </Show>
          <div class="perm-actions">
            <button type="button" class="btn danger" onClick={() => answer('deny')}>Deny</button>
            <Show when={!p().inputTruncated}>
              <Show when={p().sessionScope && !folded()}>
                <button type="button" class="btn" onClick={() => answer('allow', 'session')}>Allow for this session</button>
              </Show>
              <button type="button" class="btn primary" onClick={() => answer('allow')}>{folded() ? 'Show all to allow' : 'Allow'}</button>
            </Show>
          </div>
        </Show>
      </Show>
    </div>
  );
}
