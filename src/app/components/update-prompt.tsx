// "Update available — reload": shown when a new service worker waits.
import { useStore } from '@nanostores/solid';
import { Show, type JSX } from 'solid-js';
import { $updateWaiting, applyUpdate } from '../stores/sw-update.ts';

export function UpdatePrompt(): JSX.Element {
  const waiting = useStore($updateWaiting);
  return (
    <Show when={waiting()}>
      <div class="update-prompt" role="status" aria-live="polite">
        <span>Update available</span>
        <button type="button" class="btn small primary" onClick={applyUpdate} aria-label="Reload to update Baton">
          Reload
        </button>
      </div>
    </Show>
  );
}
