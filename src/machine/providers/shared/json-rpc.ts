// A JSON-RPC peer over an AgentProcess's JSON lines: our requests, its responses, its notifications and its requests to us.
import type { AgentProcess } from './agent-process.ts';

export class RpcError extends Error {
  constructor(readonly code: number, message: string, readonly data?: unknown) {
    super(message);
    this.name = 'RpcError';
  }
}

/** The peer went away before answering. */
export class RpcClosedError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'RpcClosedError';
  }
}

type Id = number | string;
interface Pending { resolve: (v: unknown) => void; reject: (e: Error) => void }
type Json = Record<string, unknown>;

export interface JsonRpcPeerOptions {
  /** MCP sends `"jsonrpc":"2.0"`; Codex app-server omits it. */
  readonly withVersionField: boolean;
}

export class JsonRpcPeer {
  private nextId = 0;
  private readonly pending = new Map<Id, Pending>();
  private readonly notificationListeners = new Set<(method: string, params: Json) => void>();
  private readonly requestListeners = new Set<(id: Id, method: string, params: Json) => void>();
  private closedWith: string | null = null;
  private readonly dispose: () => void;

  constructor(private readonly proc: AgentProcess, private readonly options: JsonRpcPeerOptions) {
    this.dispose = proc.onLine((value) => this.onMessage(value));
    void proc.exited.then((exit) => this.close(proc.describeExit(exit)));
  }

  request<T = unknown>(method: string, params: unknown): Promise<T> {
    return this.call<T>(method, params).result;
  }

  /** Like request(), but also says when the request was written (long calls such as an MCP turn answer much later). */
  call<T = unknown>(method: string, params: unknown): { written: Promise<void>; result: Promise<T> } {
    if (this.closedWith !== null) {
      const closed = new RpcClosedError(this.closedWith);
      const rejected = Promise.reject(closed);
      rejected.catch(() => {});
      return { written: rejected, result: rejected as Promise<T> };
    }
    const id = this.nextId++;
    let written!: Promise<void>;
    const result = new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      written = this.proc.write(this.frame({ id, method, params })).catch((err: Error) => {
        this.pending.delete(id);
        const closed = new RpcClosedError(err.message);
        reject(closed);
        throw closed;
      });
    });
    // Callers that only want the result must not see an unhandled rejection from the write.
    written.catch(() => {});
    return { written, result };
  }

  notify(method: string, params?: unknown): Promise<void> {
    return this.proc.write(this.frame(params === undefined ? { method } : { method, params }));
  }

  respond(id: Id, result: unknown): Promise<void> {
    return this.proc.write(this.frame({ id, result }));
  }

  respondError(id: Id, code: number, message: string): Promise<void> {
    return this.proc.write(this.frame({ id, error: { code, message } }));
  }

  onNotification(listener: (method: string, params: Json) => void): () => void {
    this.notificationListeners.add(listener);
    return () => this.notificationListeners.delete(listener);
  }

  onRequest(listener: (id: Id, method: string, params: Json) => void): () => void {
    this.requestListeners.add(listener);
    return () => this.requestListeners.delete(listener);
  }

  /** Fails every pending request (the process is gone). */
  close(detail: string): void {
    if (this.closedWith !== null) return;
    this.closedWith = detail;
    this.dispose();
    for (const p of this.pending.values()) p.reject(new RpcClosedError(detail));
    this.pending.clear();
  }

  private frame(msg: Json): Json {
    return this.options.withVersionField ? { jsonrpc: '2.0', ...msg } : msg;
  }

  private onMessage(value: unknown): void {
    if (typeof value !== 'object' || value === null) return;
    const msg = value as Json;
    const params = (typeof msg.params === 'object' && msg.params !== null ? msg.params : {}) as Json;
    const id = msg.id as Id | undefined;
    if (typeof msg.method === 'string') {
      if (id === undefined || id === null) for (const l of this.notificationListeners) l(msg.method, params);
      else for (const l of this.requestListeners) l(id, msg.method, params);
      return;
    }
    if (id === undefined || id === null) return;
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    const error = msg.error as { code?: unknown; message?: unknown; data?: unknown } | undefined;
    if (error) p.reject(new RpcError(typeof error.code === 'number' ? error.code : 0, String(error.message ?? 'error'), error.data));
    else p.resolve(msg.result);
  }
}
