// Loopback stand-ins for the vendors' model APIs, so a real CLI completes (or fails) a turn offline. They answer
// one fixed text; they know nothing of the conversation.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const STUB_REPLY = 'stub reply';

export interface ModelStub {
  readonly url: string;
  /** `ok` answers; `slow` answers after `delayMs`; `overloaded` is HTTP 529 (Anthropic) / 500; `unauthorized` is 401. */
  mode: 'ok' | 'slow' | 'overloaded' | 'unauthorized';
  delayMs: number;
  readonly requests: string[];
  close(): Promise<void>;
}

async function serve(handle: (req: IncomingMessage, body: string, res: ServerResponse, stub: ModelStub) => Promise<void>): Promise<ModelStub> {
  let server!: Server;
  const stub: ModelStub = {
    url: '', mode: 'ok', delayMs: 8_000, requests: [],
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
  server = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    stub.requests.push(`${req.method} ${req.url}`);
    try {
      await handle(req, body, res, stub);
    } catch {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  (stub as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return stub;
}

const json = (res: ServerResponse, status: number, value: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
};
const sse = (res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  return (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
};
const pause = (stub: ModelStub, res: ServerResponse) => new Promise<void>((r) => {
  const t = setTimeout(r, stub.mode === 'slow' ? stub.delayMs : 0);
  res.on('close', () => (clearTimeout(t), r()));
});

/** Anthropic's Messages API (`ANTHROPIC_BASE_URL`), streaming. */
export function anthropicStub(): Promise<ModelStub> {
  return serve(async (req, body, res, stub) => {
    if (req.url?.startsWith('/v1/messages/count_tokens')) return json(res, 200, { input_tokens: 1 });
    if (!req.url?.startsWith('/v1/messages')) return json(res, 404, { type: 'error', error: { type: 'not_found_error', message: 'not here' } });
    if (stub.mode === 'overloaded') return json(res, 529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    if (stub.mode === 'unauthorized') return json(res, 401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
    await pause(stub, res);
    if (res.destroyed) return;
    const model = JSON.parse(body).model;
    const ev = sse(res);
    ev('message_start', { message: { id: 'msg_stub', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } } });
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: STUB_REPLY } });
    ev('content_block_stop', { index: 0 });
    ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 2 } });
    ev('message_stop', {});
    res.end();
  });
}

/** OpenAI's Responses API (a Codex `model_providers` entry with `wire_api = "responses"`), streaming. */
export function responsesStub(): Promise<ModelStub> {
  return serve(async (req, _body, res, stub) => {
    if (req.method === 'GET') return json(res, 200, { object: 'list', data: [], models: [] });
    if (!req.url?.includes('/responses')) return json(res, 404, {});
    if (stub.mode === 'overloaded') return json(res, 500, { error: { message: 'stub is overloaded', type: 'server_error' } });
    if (stub.mode === 'unauthorized') return json(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
    await pause(stub, res);
    if (res.destroyed) return;
    const item = { type: 'message', id: 'msg_stub', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: STUB_REPLY, annotations: [] }] };
    const ev = sse(res);
    ev('response.created', { response: { id: 'resp_stub', object: 'response', status: 'in_progress', output: [] } });
    ev('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } });
    ev('response.output_text.delta', { item_id: 'msg_stub', output_index: 0, content_index: 0, delta: STUB_REPLY });
    ev('response.output_item.done', { output_index: 0, item });
    ev('response.completed', { response: { id: 'resp_stub', object: 'response', status: 'completed', output: [item], usage: { input_tokens: 1, input_tokens_details: { cached_tokens: 0 }, output_tokens: 1, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 2 } } });
    res.end();
  });
}

/** One scripted answer of a tool-calling stub: a tool call (name and input), or text (streamed in pieces). */
export type ScriptStep = { readonly tool: string; readonly input: Record<string, unknown> } | { readonly text: string };

export interface ScriptStub extends ModelStub {
  /** The tool results the CLI sent back, in order (what it did with each call). */
  readonly results: string[];
}

/**
 * Anthropic's Messages API answering a script: each request of the main agent (the one with the tools) gets the next
 * step; anything else (titles, side questions) gets a short text. Tool results sent back are kept in `results`.
 */
export async function anthropicScriptStub(script: readonly ScriptStep[]): Promise<ScriptStub> {
  let n = 0;
  const results: string[] = [];
  const stub = await serve(async (req, body, res) => {
    if (req.url?.startsWith('/v1/messages/count_tokens')) return json(res, 200, { input_tokens: 1 });
    if (!req.url?.startsWith('/v1/messages') || !body) return json(res, 200, {});
    const j = JSON.parse(body) as { model: string; tools?: unknown[]; messages: Array<{ content: unknown }> };
    const last = j.messages.at(-1)?.content;
    if (Array.isArray(last)) for (const c of last as Array<{ type?: string; content?: unknown }>) if (c.type === 'tool_result') results.push(typeof c.content === 'string' ? c.content : JSON.stringify(c.content));
    const step: ScriptStep = (j.tools?.length ?? 0) > 3 ? (script[n++] ?? { text: STUB_REPLY }) : { text: 'Title' };
    const ev = sse(res);
    ev('message_start', { message: { id: `msg_${n}`, type: 'message', role: 'assistant', model: j.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } } });
    if ('tool' in step) {
      ev('content_block_start', { index: 0, content_block: { type: 'tool_use', id: `toolu_${n}`, name: step.tool, input: {} } });
      ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(step.input) } });
    } else {
      ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
      ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: step.text } });
    }
    ev('content_block_stop', { index: 0 });
    ev('message_delta', { delta: { stop_reason: 'tool' in step ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: 2 } });
    ev('message_stop', {});
    res.end();
  });
  return Object.assign(stub, { results });
}

/** OpenAI's Responses API answering a script (function calls, or text streamed in two deltas). */
export async function responsesScriptStub(script: readonly ScriptStep[]): Promise<ScriptStub> {
  let n = 0;
  const results: string[] = [];
  const stub = await serve(async (req, body, res) => {
    if (req.method === 'GET') return json(res, 200, { object: 'list', data: [], models: [] });
    if (!req.url?.includes('/responses')) return json(res, 404, {});
    const j = JSON.parse(body) as { input: Array<{ type: string; output?: unknown }> };
    for (const item of j.input) if (item.type === 'function_call_output') results.push(String(item.output));
    const step = script[n++] ?? { text: STUB_REPLY };
    const ev = sse(res);
    const id = `item_${n}`;
    const item = 'tool' in step
      ? { type: 'function_call', id, call_id: `call_${n}`, name: step.tool, arguments: JSON.stringify(step.input) }
      : { type: 'message', id, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: step.text, annotations: [] }] };
    ev('response.created', { response: { id: `resp_${n}`, object: 'response', status: 'in_progress', output: [] } });
    ev('response.output_item.added', { output_index: 0, item: 'tool' in step ? item : { ...item, status: 'in_progress', content: [] } });
    if (!('tool' in step)) {
      const half = Math.ceil(step.text.length / 2);
      for (const delta of [step.text.slice(0, half), step.text.slice(half)]) ev('response.output_text.delta', { item_id: id, output_index: 0, content_index: 0, delta });
    }
    ev('response.output_item.done', { output_index: 0, item });
    ev('response.completed', { response: { id: `resp_${n}`, object: 'response', status: 'completed', output: [item], usage: { input_tokens: 1, input_tokens_details: { cached_tokens: 0 }, output_tokens: 1, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 2 } } });
    res.end();
  });
  return Object.assign(stub, { results });
}
