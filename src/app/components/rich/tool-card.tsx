// A tool call as a card: a command with its output and exit code, an edit as diffs, reads and searches in one
// compact line, anything else with its input and result; a checklist for plans. Running calls say so.
import { For, Match, Show, Switch, type JSX } from 'solid-js';
import { parseToolInput, summarizeInput, type AgentEntry, type ToolResult } from '../../../core/agent-entries.ts';
import { codeBlock } from '../../lib/markdown/md-dom.ts';
import { diffView } from './diff-view.ts';

type ToolEntry = Extract<AgentEntry, { kind: 'tool' }>;
type PlanEntry = Extract<AgentEntry, { kind: 'plan' }>;

const SHELL = /^(bash|shell|sh|run_shell_command|exec_command|execute|command)$/i;
const EDITS = /^(edit|multiedit|write|apply_patch|patch|delete|move|notebookedit|replace|write_file)$/i;
const COMPACT = /^(read|grep|glob|ls|list|webfetch|websearch|search|fetch|think|todoread|read_file|list_directory|glob_search|grep_search|google_web_search|web_fetch)$/i;

/** Output longer than this many lines is folded. */
export const OUTPUT_FOLD_LINES = 10;

export function toolKind(tool: string): 'shell' | 'edit' | 'compact' | 'other' {
  if (SHELL.test(tool)) return 'shell';
  if (EDITS.test(tool)) return 'edit';
  if (COMPACT.test(tool)) return 'compact';
  return 'other';
}

function Status(props: { entry: ToolEntry }): JSX.Element {
  const r = () => props.entry.result;
  const label = () => {
    const exit = r()?.exitCode;
    if (props.entry.status === 'running') return 'running';
    if (exit !== null && exit !== undefined) return `exit ${exit}`;
    if (props.entry.status === 'failed') return r() ? 'failed' : 'did not finish';
    return 'done';
  };
  return <span class="tool-status" data-status={props.entry.status}>{label()}</span>;
}

function Output(props: { result: ToolResult | null; running: boolean }): JSX.Element {
  return (
    <Show when={props.result && props.result.text !== ''} fallback={<Show when={!props.running}><p class="tool-note">No output.</p></Show>}>
      <div class="tool-output">{codeBlock(props.result!.text, null, { fold: OUTPUT_FOLD_LINES })}</div>
      <Show when={props.result!.truncated}>
        <p class="tool-note">Output cut: {props.result!.text.length.toLocaleString('en-US')} of {props.result!.size.toLocaleString('en-US')} characters shown.</p>
      </Show>
    </Show>
  );
}

function Shell(props: { entry: ToolEntry }): JSX.Element {
  const input = () => parseToolInput(props.entry.input);
  const command = () => {
    const c = input()?.command ?? input()?.cmd;
    return typeof c === 'string' ? c : Array.isArray(c) ? c.join(' ') : props.entry.title ?? summarizeInput(props.entry.input);
  };
  const note = () => (typeof input()?.description === 'string' ? (input()!.description as string) : null);
  return (
    <div class="tool-card" data-tool="shell" data-status={props.entry.status}>
      <div class="tool-head">
        <span class="tool-name">{props.entry.tool}</span>
        <span class="tool-summary">{note() ?? ''}</span>
        <Status entry={props.entry} />
      </div>
      <pre class="tool-command">{command()}</pre>
      <Output result={props.entry.result} running={props.entry.status === 'running'} />
    </div>
  );
}

function Edits(props: { entry: ToolEntry }): JSX.Element {
  const path = () => props.entry.changes[0]?.path ?? props.entry.title ?? summarizeInput(props.entry.input);
  return (
    <div class="tool-card" data-tool="edit" data-status={props.entry.status}>
      <div class="tool-head">
        <span class="tool-name">{props.entry.tool}</span>
        <span class="tool-summary">{props.entry.changes.length > 1 ? `${props.entry.changes.length} files` : path()}</span>
        <Status entry={props.entry} />
      </div>
      <For each={props.entry.changes}>{(c) => diffView(c)}</For>
      <Show when={props.entry.status === 'failed' && props.entry.result?.text}>
        <Output result={props.entry.result} running={false} />
      </Show>
    </div>
  );
}

/** The one line a folded card shows: the tool, what it worked on, how it went. */
function CompactHead(props: { entry: ToolEntry }): JSX.Element {
  return (
    <summary>
      <span class="tool-head">
        <span class="tool-name">{props.entry.tool}</span>
        <span class="tool-summary">{props.entry.title ?? summarizeInput(props.entry.input)}</span>
        <Status entry={props.entry} />
      </span>
    </summary>
  );
}

function Compact(props: { entry: ToolEntry }): JSX.Element {
  return (
    <details class="tool-card compact" data-tool="compact" data-status={props.entry.status}>
      <CompactHead entry={props.entry} />
      <Output result={props.entry.result} running={props.entry.status === 'running'} />
    </details>
  );
}

function Other(props: { entry: ToolEntry }): JSX.Element {
  const pretty = () => {
    const obj = parseToolInput(props.entry.input);
    return obj ? JSON.stringify(obj, null, 2) : props.entry.input;
  };
  return (
    <details class="tool-card compact" data-tool="other" data-status={props.entry.status}>
      <CompactHead entry={props.entry} />
      {codeBlock(pretty(), 'json', { fold: OUTPUT_FOLD_LINES, label: 'input' })}
      <For each={props.entry.changes}>{(c) => diffView(c)}</For>
      <Output result={props.entry.result} running={props.entry.status === 'running'} />
    </details>
  );
}

export function ToolCard(props: { entry: ToolEntry }): JSX.Element {
  // An edit tool that reported no change (e.g. it failed first) is drawn like any other call.
  const kind = () => {
    const k = toolKind(props.entry.tool);
    return k === 'edit' && props.entry.changes.length === 0 ? 'other' : k === 'other' && props.entry.changes.length > 0 ? 'edit' : k;
  };
  return (
    <Switch>
      <Match when={kind() === 'shell'}><Shell entry={props.entry} /></Match>
      <Match when={kind() === 'edit'}><Edits entry={props.entry} /></Match>
      <Match when={kind() === 'compact'}><Compact entry={props.entry} /></Match>
      <Match when={true}><Other entry={props.entry} /></Match>
    </Switch>
  );
}

const BOX: Readonly<Record<PlanEntry['items'][number]['status'], string>> = { done: '✓', 'in-progress': '◐', pending: '○' };

export function PlanCard(props: { entry: PlanEntry }): JSX.Element {
  const done = () => props.entry.items.filter((i) => i.status === 'done').length;
  return (
    <div class="tool-card plan-card" data-tool="plan">
      <div class="tool-head">
        <span class="tool-name">Plan</span>
        <span class="tool-summary">{done()} of {props.entry.items.length} done</span>
      </div>
      <ul aria-label="Plan">
        <For each={props.entry.items}>
          {(item) => (
            <li class="plan-item" data-status={item.status}>
              <span class="box" aria-hidden="true">{BOX[item.status]}</span>
              <span class="text">{item.text}</span>
              <span class="sr-only">{item.status === 'done' ? '(done)' : item.status === 'in-progress' ? '(in progress)' : '(to do)'}</span>
            </li>
          )}
        </For>
      </ul>
    </div>
  );
}
