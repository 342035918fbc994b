// A running ACP session: prompts one at a time, forwards its updates and permission requests, types how a turn ended, stops the agent.
import * as acp from '@agentclientprotocol/sdk';
import type { TurnFailureCode, VendorId } from '../../../core/index.ts';
import type { AgentHandle } from '../backend.ts';
import { EventStream } from '../shared/event-stream.ts';
import { permissionIds } from '../shared/permission-ids.ts';
import { describeRpcError, type AcpConnection } from './connection.ts';
import { inputText } from '../../../core/index.ts';
import { createUpdateMapper, describeToolCall, permissionInput, toolContent, type UpdateMapper } from './update-mapper.ts';

interface PendingPermission { readonly options: readonly acp.PermissionOption[]; readonly answer: (r: acp.RequestPermissionResponse) => void }

export interface AcpHandleOptions {
  /** How a failed `session/prompt` is typed (the agent's error words decide, e.g. auth vs. quota). */
  readonly classifyPromptError?: (err: acp.RequestError) => TurnFailureCode;
}

/** Sets an ACP session's mode (`session/set_mode`; the agent lists its modes in `session/new`'s answer). */
export async function setAcpMode(conn: AcpConnection, sessionId: string, modeId: string): Promise<void> {
  await conn.agent.request('session/set_mode', { sessionId, modeId });
}

/** Words in an agent's error that mean it is not logged in (Gemini: "Authentication required", "API key is missing"). */
const AUTH_WORDS = /auth|api key|login|logged in|credential|permission denied|unauthori[sz]ed|forbidden/i;
const GAVE_UP_WORDS = /quota|exhausted|overloaded|unavailable|rate limit|429|503|retry|network|fetch failed|ECONN|ETIMEDOUT|timed? ?out/i;

export function classifyPromptError(err: acp.RequestError): TurnFailureCode {
  // Gemini passes the model API's HTTP status on as the error code (seen: 400, 503).
  if (err.code === 401 || err.code === 403) return 'auth-failed';
  if (err.code === 429 || (err.code >= 500 && err.code < 600)) return 'vendor-gave-up';
  const words = describeRpcError(err);
  if (AUTH_WORDS.test(words)) return 'auth-failed';
  if (GAVE_UP_WORDS.test(words)) return 'vendor-gave-up';
  return 'turn-failed';
}

export function createAcpHandle(conn: AcpConnection, vendorId: VendorId, o: AcpHandleOptions = {}): AgentHandle {
  const events = new EventStream();
  const permissions = new Map<string, PendingPermission>();
  let permissionCounter = 0;
  let turns = 0;
  const permissionId = permissionIds('acp');
  let mapper: UpdateMapper | null = null; // set while a prompt is in flight
  let interrupted = false; // the user cancelled the prompt in flight
  let persisted = false;
  // Resolves when the previous turn finished: ACP runs one prompt per session at a time.
  let chain: Promise<unknown> = Promise.resolve();
  let stopping: Promise<void> | null = null;
  const classify = o.classifyPromptError ?? classifyPromptError;

  const cancelPermissions = () => {
    // ACP: after a cancel the client answers every open permission request with `cancelled`.
    for (const p of permissions.values()) p.answer({ outcome: { outcome: 'cancelled' } });
    permissions.clear();
  };

  conn.setSink({
    update({ sessionId, update }) {
      // Updates outside a prompt are the history replay of session/load (it may run on after the load
      // answer): the phone already has those messages, so they must not come back as new ones.
      if (sessionId !== vendorId || mapper === null) return;
      for (const e of mapper.map(update as unknown as Record<string, unknown>)) events.emit(e);
    },
    permission(params) {
      if (params.sessionId !== vendorId || mapper === null) return Promise.resolve({ outcome: { outcome: 'cancelled' } });
      const id = permissionId(++permissionCounter);
      const answered = new Promise<acp.RequestPermissionResponse>((resolve) => permissions.set(id, { options: params.options, answer: resolve }));
      for (const e of mapper.flush()) events.emit(e);
      const call = params.toolCall as unknown as Record<string, unknown>;
      // Gemini sends no `tool_call` before asking: the request's call is the card, running while it waits (its notes
      // are the request's words, not output, so only its diffs go on the card).
      const diffs = Array.isArray(call.content) ? (call.content as Array<{ type?: unknown }>).filter((c) => c?.type === 'diff') : [];
      for (const e of mapper.map({ ...call, sessionUpdate: 'tool_call', status: 'pending', content: diffs })) events.emit(e);
      const input = inputText(permissionInput(call));
      const note = toolContent(call.content).text;
      events.emit({
        kind: 'permission-request', permissionId: id, tool: describeToolCall(call).tool, input: input.text,
        ...(input.truncated ? { inputTruncated: true } : {}),
        ...(typeof call.title === 'string' && call.title ? { title: call.title.slice(0, 2_000) } : {}),
        ...(note ? { description: note.slice(0, 4_000) } : {}),
        ...(params.options.some((o) => o.kind === 'allow_always') ? { sessionScope: true } : {}),
        ...(typeof call.toolCallId === 'string' && call.toolCallId ? { callId: call.toolCallId.slice(0, 200) } : {}),
      });
      return answered;
    },
  });

  void conn.proc.exited.then((exit) => {
    cancelPermissions();
    events.emit({ kind: 'exit', code: exit.code, signal: exit.signal, detail: stopping ? null : conn.proc.describeExit(exit) });
  });

  /** Writes one prompt; resolves once it is out, with a promise for the end of its turn. */
  async function prompt(text: string): Promise<{ finished: Promise<void> }> {
    if (!conn.proc.running) throw new Error('the agent is not running');
    const turn = createUpdateMapper(++turns);
    mapper = turn;
    interrupted = false;
    const done = conn.agent.request('session/prompt', { sessionId: vendorId, prompt: [{ type: 'text', text }] });
    const finished = done.then(
      (result) => {
        const said = turn.flush();
        for (const e of said) events.emit(e);
        const stop = result?.stopReason;
        // Gemini writes the chat file as the turn runs; once a turn completed, session/load can find it.
        if (!persisted && (stop === 'end_turn' || stop === 'max_tokens' || stop === 'max_turn_requests')) {
          persisted = true;
          events.emit({ kind: 'persisted' });
        }
        if (stop === 'cancelled') events.emit({ kind: 'turn-end', failure: { code: 'interrupted', detail: 'the prompt was cancelled' } });
        else if (stop === 'refusal') events.emit({ kind: 'turn-end', failure: { code: 'turn-failed', detail: 'the agent refused to answer this message' } });
        else events.emit({ kind: 'turn-end' });
      },
      (err: unknown) => {
        if (!(err instanceof acp.RequestError)) return; // the connection closed: the exit event says what happened
        for (const e of turn.flush()) events.emit(e);
        // A prompt the user cancelled may come back as an error rather than `cancelled`: it is still an interrupt.
        const code = interrupted ? 'interrupted' : classify(err);
        events.emit({ kind: 'turn-end', failure: { code, detail: describeRpcError(err).slice(0, 2_000) } });
      },
    ).finally(() => {
      if (mapper === turn) mapper = null;
      cancelPermissions();
    });
    // Resolve once the line is out: the SDK writes it before the next tick; a closed connection rejects at once.
    await Promise.race([
      done.then(() => undefined, (err: unknown) => {
        if (!(err instanceof acp.RequestError)) throw err;
      }),
      new Promise<void>((resolve) => setImmediate(resolve)),
    ]);
    return { finished };
  }

  const handle: AgentHandle = {
    vendorId,
    pid: conn.proc.pid,
    send(text) {
      const started = chain.then(() => prompt(text));
      chain = started.then((t) => t.finished, () => {});
      return started.then(() => undefined);
    },
    async setPermissionMode(mode) {
      // Gemini says why in `data.details` ("… in an untrusted folder."): keep its words.
      await setAcpMode(conn, vendorId, mode).catch((err: unknown) => {
        throw new Error(err instanceof Error && 'code' in err ? describeRpcError(err as acp.RequestError) : err instanceof Error ? err.message : String(err));
      });
    },
    async answerPermission(permissionId, decision, scope = 'once') {
      const pending = permissions.get(permissionId);
      if (!pending) throw new Error(`no open permission request ${permissionId}`);
      permissions.delete(permissionId);
      // Once: the agent's allow-once option (allow-always only when it offers nothing narrower); session: allow-always.
      const kinds = decision === 'allow' ? (scope === 'session' ? ['allow_always'] : ['allow_once', 'allow_always']) : ['reject_once', 'reject_always'];
      const option = kinds.map((k) => pending.options.find((opt) => opt.kind === k)).find((opt) => opt !== undefined);
      pending.answer(option ? { outcome: { outcome: 'selected', optionId: option.optionId } } : { outcome: { outcome: 'cancelled' } });
    },
    async interrupt() {
      if (mapper === null || !conn.proc.running) return;
      interrupted = true;
      await conn.agent.notify('session/cancel', { sessionId: vendorId });
      cancelPermissions();
    },
    stop() {
      stopping ??= conn.stop();
      return stopping;
    },
    onEvent(listener) {
      return events.subscribe(listener);
    },
  };
  return handle;
}
