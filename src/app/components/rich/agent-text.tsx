// The agent's text as markdown (sanitised: src/app/lib/markdown), folded when very long, with a caret while it streams.
import { createSignal, Show, type JSX } from 'solid-js';
import { renderMarkdown } from '../../lib/markdown/md-dom.ts';

/** A message longer than this is folded with "Show more". */
export const AGENT_FOLD_CHARS = 2_400;

export function AgentText(props: { text: string; streaming?: boolean }): JSX.Element {
  const long = () => props.text.length > AGENT_FOLD_CHARS || props.text.split('\n').length > 40;
  const [open, setOpen] = createSignal(false);
  return (
    <div class="msg msg-agent" classList={{ long: long(), 'agent-folded': long() && !open() }}>
      <div class="bubble md" classList={{ 'streaming-caret': props.streaming === true }}>{renderMarkdown(props.text)}</div>
      <Show when={long()}>
        <button type="button" class="btn small fold-toggle" aria-expanded={open()} onClick={() => setOpen(!open())}>
          {open() ? 'Show less' : 'Show more'}
        </button>
      </Show>
    </div>
  );
}
