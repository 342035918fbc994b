// A yes/no question in a bottom sheet, asked before something that cannot be taken back (stopping a working agent).
import { onCleanup, onMount, type JSX } from 'solid-js';

export function ConfirmSheet(props: { title: string; sentence: string; confirm: string; cancel?: string; danger?: boolean; onConfirm: () => void; onCancel: () => void }): JSX.Element {
  let sheet!: HTMLElement;
  const opener = typeof document === 'undefined' ? null : (document.activeElement as HTMLElement | null);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') props.onCancel();
  };
  onMount(() => {
    sheet.querySelector<HTMLElement>('button')?.focus();
    document.addEventListener('keydown', onKey);
  });
  onCleanup(() => {
    document.removeEventListener('keydown', onKey);
    opener?.focus();
  });
  return (
    <div class="sheet-backdrop" onClick={(e) => e.target === e.currentTarget && props.onCancel()}>
      <section class="sheet" ref={sheet} role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" aria-describedby="confirm-sentence">
        <h2 id="confirm-title">{props.title}</h2>
        <p id="confirm-sentence">{props.sentence}</p>
        <div class="actions">
          <button type="button" class="btn" onClick={() => props.onCancel()}>{props.cancel ?? 'Cancel'}</button>
          <button type="button" class={`btn ${props.danger ? 'danger' : 'primary'}`} onClick={() => props.onConfirm()}>{props.confirm}</button>
        </div>
      </section>
    </div>
  );
}
