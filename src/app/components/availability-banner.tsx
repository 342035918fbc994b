// Why this session cannot take a message, in one sentence, with the fix for its reason.
import { A, useNavigate } from '@solidjs/router';
import { createSignal, Match, Show, Switch, type JSX } from 'solid-js';
import type { MachineRecord, SessionRecord } from '../../core/records.ts';
import { RESUME_FAILURE_TEXT } from '../../core/resume-attempt.ts';
import { INSTALL_COMMAND, openInVendorCli } from '../../core/vendor-commands.ts';
import { errorText } from '../lib/api-client.ts';
import { copyText } from '../lib/copy-text.ts';
import { takeOverSession, unarchiveSession, updateSettings } from '../stores/session-actions.ts';
import type { SessionStatus } from '../stores/session-status.ts';
import { $settings } from '../stores/sync.ts';

function CopyCommand(props: { command: string; label: string }): JSX.Element {
  const [copied, setCopied] = createSignal(false);
  return (
    <div class="copy-command">
      <code>{props.command}</code>
      <button
        type="button"
        class="btn small"
        aria-label={props.label}
        onClick={async () => {
          setCopied(await copyText(props.command));
          setTimeout(() => setCopied(false), 2000);
        }}
      >
        {copied() ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

export function AvailabilityBanner(props: { session: SessionRecord; machine: MachineRecord | undefined; status: SessionStatus }): JSX.Element {
  const navigate = useNavigate();
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const block = () => props.status.block;
  const lastFailure = () => (props.session.lastResume?.state === 'failed' ? props.session.lastResume : null);

  return (
    <>
      <Show when={block()}>
        <section class="banner banner-blocked" role="alert" aria-label="Why this session cannot take a message" data-reason={block()!.reason}>
          <p class="banner-sentence">{block()!.sentence}</p>
          <p class="banner-fix">{block()!.fix}</p>
          <div class="actions">
            <Switch>
              <Match when={block()!.reason === 'archived'}>
                <button type="button" class="btn primary" disabled={busy()} onClick={() => act(() => unarchiveSession(props.session.id))}>Unarchive</button>
              </Match>
              <Match when={block()!.reason === 'not-managed'}>
                <button type="button" class="btn primary" disabled={busy()} onClick={() => act(() => takeOverSession(props.session.id))}>Take over</button>
                <Show when={props.session.vendorResumeId}>
                  <A class="btn" href={`/s/${encodeURIComponent(props.session.id)}/history`}>Read its history</A>
                  {/* Baton does not manage it, so `baton attach` has nothing to follow: its own CLI opens it there. */}
                  <CopyCommand command={openInVendorCli(props.session.provider, props.session.vendorResumeId!, props.session.cwd)} label="Copy the command that opens it on its machine" />
                </Show>
              </Match>
              <Match when={block()!.reason === 'backend-disabled'}>
                <button
                  type="button"
                  class="btn primary"
                  disabled={busy()}
                  onClick={() => act(() => updateSettings({ disabledBackends: ($settings.get()?.disabledBackends ?? []).filter((b) => b !== props.session.backend) }))}
                >
                  Enable {props.session.backend}
                </button>
                <button type="button" class="btn" onClick={() => navigate('/settings')}>Open settings</button>
              </Match>
              <Match when={block()!.reason === 'machine-offline'}>
                {/* The machine is paired, so its daemon remembers its server (as it reaches it, which may not be the URL this
                    phone uses: `--server` with the phone's URL would be refused as another server). */}
                <CopyCommand command="baton daemon" label="Copy the daemon command" />
              </Match>
              <Match when={block()!.reason === 'dependency-missing'}>
                {/* Attaching needs a running agent, which is what is missing: installing (or upgrading) the CLI is the fix. */}
                <CopyCommand command={INSTALL_COMMAND[props.session.provider]} label={`Copy the command that installs ${props.session.provider} on its machine`} />
              </Match>
            </Switch>
          </div>
          <Show when={error()}>
            <p class="error" role="alert">{error()}</p>
          </Show>
        </section>
      </Show>
      <Show when={props.status.availability.state === 'resuming'}>
        <section class="banner banner-busy" role="status">
          <p>Reopening the same {props.session.provider} session on {props.machine?.name ?? 'its machine'}… Messages wait for it.</p>
        </section>
      </Show>
      <Show when={!block() && lastFailure()}>
        <section class="banner banner-warn" role="status">
          <p>
            The last resume failed: {lastFailure()!.code ? RESUME_FAILURE_TEXT[lastFailure()!.code!] : 'unknown reason'} Nothing new was started.
          </p>
        </section>
      </Show>
    </>
  );
}
