// An in-memory BackendDriver (the port fake): a pretend vendor with a session store, faults and a log
// of what it received, so the supervisor and daemon can be tested without processes.
import { BACKEND_INFO, asPermissionId, asVendorId, historyText, pageOf, type Backend, type BackendCapability, type VendorId } from '../../core/index.ts';
import type { AgentHandle, BackendDriver, DirectSessionInfo, DriverEvent, ResumeOutcome, StartOutcome } from './backend.ts';

export type MemoryFault = 'unknown-id' | 'other-id' | 'crash-on-resume' | 'hang' | 'permission' | 'crash-on-turn' | 'not-installed';

/** What the pretend vendor remembers; shared by drivers so a "restarted daemon" sees the same vendor. */
export interface MemoryVendor {
  /** Vendor ids the vendor has persisted (resumable). */
  readonly persisted: Set<string>;
  /** Every vendor event, like the fakes' record files. */
  readonly record: { event: 'created' | 'resumed' | 'resume-refused'; vendorId: string }[];
  /** Every user text written to an agent, per vendor id. */
  readonly received: Map<string, string[]>;
  readonly faults: Set<MemoryFault>;
  /** Provider-native sessions the vendor has that nobody manages. */
  readonly direct: DirectSessionInfo[];
  /** Handles still running. */
  readonly running: Set<AgentHandle>;
}

export function createMemoryVendor(): MemoryVendor {
  return { persisted: new Set(), record: [], received: new Map(), faults: new Set(), direct: [], running: new Set() };
}

let counter = 0;
let calls = 0;

export function createMemoryDriver(backend: Backend, vendor: MemoryVendor = createMemoryVendor()): BackendDriver & { readonly vendor: MemoryVendor } {
  const info = BACKEND_INFO[backend];
  const installed = () => !vendor.faults.has('not-installed');
  const missing = { ok: false as const, code: 'dependency-missing' as const, detail: `${info.command} is not installed` };

  return {
    backend,
    provider: info.provider,
    supportsResume: info.supportsResume,
    vendor,
    async checkDependencies(): Promise<BackendCapability> {
      return installed()
        ? { installed: true, version: 'memory-1', canResume: info.supportsResume, detail: info.supportsResume ? null : `${info.label} cannot reopen sessions` }
        : { installed: false, version: null, canResume: false, detail: `${info.command} is not installed` };
    },
    async start(): Promise<StartOutcome> {
      if (!installed()) return missing;
      if (vendor.faults.has('hang')) return { ok: false, code: 'timeout', detail: 'the agent did not answer' };
      const id = asVendorId(`mem-${backend}-${++counter}-${Date.now().toString(36)}`);
      vendor.record.push({ event: 'created', vendorId: id });
      return { ok: true, handle: makeHandle(vendor, id) };
    },
    async resume({ vendorId }): Promise<ResumeOutcome> {
      if (!installed()) return missing;
      if (!info.supportsResume) return { ok: false, code: 'vendor-error', detail: `${info.label} cannot reopen sessions` };
      if (vendor.faults.has('hang')) return { ok: false, code: 'timeout', detail: 'the agent did not answer' };
      if (vendor.faults.has('crash-on-resume')) return { ok: false, code: 'vendor-error', detail: 'the agent exited with code 1' };
      if (vendor.faults.has('unknown-id') || !vendor.persisted.has(vendorId)) {
        vendor.record.push({ event: 'resume-refused', vendorId });
        return { ok: false, code: 'vendor-not-found', detail: `no session ${vendorId}` };
      }
      if (vendor.faults.has('other-id')) return { ok: false, code: 'vendor-id-mismatch', detail: `asked for ${vendorId}, got another id` };
      vendor.record.push({ event: 'resumed', vendorId });
      return { ok: true, handle: makeHandle(vendor, vendorId) };
    },
    async listDirect() {
      return vendor.direct.filter((d) => d.backend === backend);
    },
    async readHistory({ vendorId, before, limit }) {
      const known = vendor.persisted.has(vendorId) || vendor.direct.some((d) => d.vendorResumeId === vendorId);
      if (!known) return { ok: false, code: 'vendor-not-found', detail: `no session ${vendorId}` };
      const said = (vendor.received.get(vendorId) ?? []).flatMap((text) => [
        { role: 'user' as const, ...historyText(text), at: null },
        { role: 'agent' as const, ...historyText(`echo: ${text}`), at: null },
      ]);
      return { ok: true, page: pageOf(said, before, limit) };
    },
  };
}

function makeHandle(vendor: MemoryVendor, vendorId: VendorId): AgentHandle {
  const listeners = new Set<(e: DriverEvent) => void>();
  const buffered: DriverEvent[] = [];
  const pendingPermissions = new Map<string, (d: 'allow' | 'deny') => void>();
  let exited = false;
  const emit = (e: DriverEvent) => {
    if (listeners.size === 0) buffered.push(e);
    for (const l of listeners) l(e);
  };
  const exit = (code: number | null, detail: string | null) => {
    if (exited) return;
    exited = true;
    vendor.running.delete(handle);
    emit({ kind: 'exit', code, signal: null, detail });
  };

  const handle: AgentHandle = {
    vendorId,
    pid: null,
    async send(text) {
      if (exited) throw new Error('the agent has exited');
      const list = vendor.received.get(vendorId) ?? [];
      list.push(text);
      vendor.received.set(vendorId, list);
      // The agent reacts before the write has resolved (a real agent on a pipe can too): the supervisor
      // must still ack before forwarding the turn.
      void turn(text);
    },
    async answerPermission(permissionId, decision) {
      pendingPermissions.get(permissionId)?.(decision);
      pendingPermissions.delete(permissionId);
    },
    async interrupt() {
      for (const [, resolve] of pendingPermissions) resolve('deny');
    },
    async stop() {
      exit(0, null);
    },
    onEvent(listener) {
      listeners.add(listener);
      if (listeners.size === 1) for (const e of buffered.splice(0)) listener(e);
      return () => listeners.delete(listener);
    },
  };
  vendor.running.add(handle);

  async function turn(text: string) {
    if (vendor.faults.has('crash-on-turn')) return exit(1, 'crashed on turn');
    let prefix = '';
    if (vendor.faults.has('permission')) {
      const permissionId = asPermissionId(`perm-${++counter}`);
      const decision = await new Promise<'allow' | 'deny'>((resolve) => {
        pendingPermissions.set(permissionId, resolve);
        emit({ kind: 'permission-request', permissionId, tool: 'Bash', input: '{"command":"ls"}' });
      });
      prefix = decision === 'allow' ? 'allowed: ' : 'denied: ';
    }
    if (exited) return;
    const callId = `call-${++calls}`;
    emit({ kind: 'tool-call', callId, tool: 'Read', title: null, input: '{"file_path":"README.md"}', status: 'running', result: null, changes: [] });
    emit({ kind: 'tool-call', callId, tool: 'Read', title: null, input: '{"file_path":"README.md"}', status: 'done', result: { text: '# README', truncated: false, size: 8, exitCode: null }, changes: [] });
    emit({ kind: 'text', text: `${prefix}echo: ${text}` });
    if (!vendor.persisted.has(vendorId)) {
      vendor.persisted.add(vendorId);
      emit({ kind: 'persisted' });
    }
    emit({ kind: 'turn-end' });
  }
  return handle;
}
