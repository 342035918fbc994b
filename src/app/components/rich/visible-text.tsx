// Text with what a person cannot see made visible: hidden characters and long blank runs as marked labels.
import { For, type JSX } from 'solid-js';
import { revealInvisible } from '../../../core/invisible.ts';

export function VisibleText(props: { text: string }): JSX.Element {
  return (
    <For each={revealInvisible(props.text)}>
      {(seg) => (seg.kind === 'text' ? seg.text : <span class="hidden-mark" title={`hidden: ${seg.label}`}>{seg.label}</span>)}
    </For>
  );
}
