// The opencode-serve backend: one `opencode serve` per Baton session, driven through `@opencode-ai/sdk` (HTTP + SSE `/event`).
import { statSync } from 'node:fs';
import type { OpencodeClient } from '@opencode-ai/sdk/v2';
import * as v from 'valibot';
import { VendorIdSchema, type ResumeFailureCode } from '../../../core/index.ts';
import type { BackendDriver, DriverEnv, ResumeOutcome, StartOutcome } from '../backend.ts';
import type { AgentProcess } from '../shared/agent-process.ts';
import { resumableCapability } from '../shared/check-version.ts';
import { TIMED_OUT, withTimeout } from '../shared/with-timeout.ts';
import { EventRouter, createOpencodeHandle } from './handle.ts';
import { answer, createClient, errorText, isNotFound, timed, type ApiAnswer } from './http-api.ts';
import { startServe } from './serve-process.ts';
import { readOpencodeSessions } from './session-store.ts';
import { openSse, type SseConnection } from './sse-client.ts';
import { readOpencodeHistory } from './history.ts';

type Failure = { readonly ok: false; readonly code: ResumeFailureCode; readonly detail: string };
interface OpenServer { readonly proc: AgentProcess; readonly client: OpencodeClient; readonly sse: SseConnection; readonly router: EventRouter }

export function createOpencodeServeDriver(env: DriverEnv): BackendDriver {
  /** Spawns the server in `cwd` and subscribes to its events before anything else happens. */
  async function open(cwd: string, deadline: number): Promise<({ ok: true } & OpenServer) | Failure> {
    if (!isDirectory(cwd)) return { ok: false, code: 'vendor-error', detail: `the working directory ${cwd} does not exist on this machine` };
    const served = await startServe(env, cwd, deadline);
    if (!served.ok) return served;
    const client = createClient(served.url, served.password, cwd);
    const router = new EventRouter();
    const sse = openSse(client, router.push, router.closed);
    const connected = await withTimeout(sse.connected.then(() => null, (e: Error) => e.message), Math.max(0, deadline - Date.now()));
    if (connected !== null) {
      sse.close();
      await served.proc.stop();
      return connected === TIMED_OUT
        ? { ok: false, code: 'timeout', detail: `the OpenCode event stream did not open within ${env.timeoutMs} ms` }
        : { ok: false, code: 'vendor-error', detail: `could not subscribe to OpenCode events: ${connected}` };
    }
    return { ok: true, proc: served.proc, client, sse, router };
  }

  /** One request under the start/resume deadline; every failure stops the server before it is reported. */
  async function call(s: OpenServer, deadline: number, what: string, request: () => Promise<ApiAnswer>): Promise<ApiAnswer | Failure> {
    const fail = async (code: ResumeFailureCode, detail: string): Promise<Failure> => {
      s.sse.close();
      await s.proc.stop();
      return { ok: false, code, detail };
    };
    let got: ApiAnswer | typeof TIMED_OUT;
    try {
      got = await withTimeout(request(), Math.max(0, deadline - Date.now()));
    } catch (err) {
      // The request died with the server (e.g. it crashed while reopening the session): say how it ended.
      const exit = await withTimeout(s.proc.exited, 1_000);
      const how = exit === TIMED_OUT ? (err as Error).message : s.proc.describeExit(exit);
      return fail('vendor-error', `OpenCode failed during ${what}: ${how}`);
    }
    if (got === TIMED_OUT) return fail('timeout', `OpenCode did not answer ${what} within ${env.timeoutMs} ms`);
    if (isNotFound(got)) return fail('vendor-not-found', `OpenCode has no session here: ${errorText(got)}`);
    if (got.status >= 300) return fail('vendor-error', `OpenCode refused ${what}: ${errorText(got)}`);
    return got;
  }

  const stopWith = async (s: OpenServer, failure: Failure): Promise<Failure> => {
    s.sse.close();
    await s.proc.stop();
    return failure;
  };

  return {
    backend: 'opencode-serve',
    provider: 'opencode',
    supportsResume: true,

    checkDependencies() {
      return resumableCapability({ command: env.command, env: env.env, installHint: 'npm i -g opencode-ai' });
    },

    async start({ cwd, permissionMode }): Promise<StartOutcome> {
      const deadline = Date.now() + env.timeoutMs;
      const s = await open(cwd, deadline);
      if (!s.ok) return s;
      // No title: OpenCode then names the session after its first message, as it does for its own users
      // (the Baton title lives in Baton).
      const created = await call(s, deadline, 'POST /session', () => answer(s.client.session.create({}, timed())));
      if ('ok' in created) return created;
      const id = v.safeParse(VendorIdSchema, (created.body as { id?: unknown } | null)?.id);
      if (!id.success) {
        return stopWith(s, { ok: false, code: 'vendor-error', detail: `OpenCode created a session without a usable id: ${JSON.stringify(created.body).slice(0, 300)}` });
      }
      // OpenCode writes the session to its store when it creates it, so it is resumable from now on.
      return { ok: true, handle: createOpencodeHandle({ vendorId: id.output, ...s, persisted: true, permissionMode }) };
    },

    async resume({ vendorId, cwd, permissionMode }): Promise<ResumeOutcome> {
      const deadline = Date.now() + env.timeoutMs;
      const s = await open(cwd, deadline);
      if (!s.ok) return s;
      // Strict: look the session up by id; a 404 is the end of it (never POST /session here).
      const found = await call(s, deadline, `GET /session/${vendorId}`, () => answer(s.client.session.get({ sessionID: vendorId }, timed())));
      if ('ok' in found) return found;
      const gotId = (found.body as { id?: unknown } | null)?.id;
      if (gotId !== vendorId) {
        return stopWith(s, { ok: false, code: 'vendor-id-mismatch', detail: `asked OpenCode for ${vendorId} and it answered with ${JSON.stringify(gotId)}` });
      }
      return { ok: true, handle: createOpencodeHandle({ vendorId, ...s, persisted: false, permissionMode }) };
    },

    listDirect() {
      return readOpencodeSessions(env.env).catch(() => []);
    },
    readHistory: (request) => readOpencodeHistory(env.env, request),
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
