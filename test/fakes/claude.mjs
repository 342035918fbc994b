// Fake Claude Code CLI: `claude -p --input-format stream-json --output-format stream-json --verbose`, strict like the real one.
// Speaks stream-json (system/init, api_retry, assistant, user, result, control_request/control_response), keeps
// transcripts under $CLAUDE_CONFIG_DIR/projects/<cwd slug>/<id>.jsonl (the user line written when the turn starts),
// registers itself in $CLAUDE_CONFIG_DIR/sessions/<pid>.json, and honours the fault switches. Without -p it stands
// in for the terminal UI: it registers, takes `/resume <id>` lines on stdin, and idles until stdin closes.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomUUID } from 'node:crypto';
import { record } from './lib/record.mjs';
import { faults, handshakeDelay, hangForever } from './lib/faults.mjs';
import { readJsonLines, writeJson, exitAfterFlush } from './lib/stdio.mjs';
import { TURN_TOOL, PERMISSION_TOOL, replyText, permissionReply } from './lib/turn.mjs';
import { LONG_COMMAND, RICH_BASH, RICH_EDIT, RICH_FAILING, RICH_INTRO, RICH_OUTRO, RICH_PLAN, hunk } from './lib/rich.mjs';
import { hasTranscript, registerLiveSession, transcriptOf as transcriptIn } from './lib/claude-store.mjs';

// Facts checked against the real CLI 2.1.197 (docs/vendor-protocols.md; scripts/check-fakes-against-real-clis.sh).
// BATON_FAKE_CLAUDE_VERSION plays an older CLI: before 1.0.124, `--resume` continued in a new session id.
const VERSION = process.env.BATON_FAKE_CLAUDE_VERSION || '2.1.197';
const FORKS_ON_RESUME = compareVersion(VERSION, '1.0.124') < 0;
const MODEL = 'claude-sonnet-4-5-20250929';
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fail(message) {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = { print: false, verbose: false, inputFormat: 'text', outputFormat: 'text', sessionId: null, resume: null, forkSession: false, permissionPromptTool: null, permissionMode: null, version: false };
  const takesValue = new Set(['--input-format', '--output-format', '--session-id', '--resume', '-r', '--permission-prompt-tool', '--permission-mode', '--model', '--append-system-prompt', '--system-prompt', '--allowedTools', '--disallowedTools', '--mcp-config', '--max-turns']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`option '${a}' argument missing`);
      return v;
    };
    if (a === '-v' || a === '--version') opts.version = true;
    else if (a === '-p' || a === '--print') opts.print = true;
    else if (a === '--verbose') opts.verbose = true;
    else if (a === '--fork-session') opts.forkSession = true;
    else if (a === '--input-format') opts.inputFormat = value();
    else if (a === '--output-format') opts.outputFormat = value();
    else if (a === '--session-id') opts.sessionId = value();
    else if (a === '--resume' || a === '-r') opts.resume = value();
    else if (a === '--permission-prompt-tool') opts.permissionPromptTool = value();
    else if (a === '--permission-mode') {
      opts.permissionMode = value();
      // The real CLI's choices (2.1.197 `--help`).
      if (!['acceptEdits', 'bypassPermissions', 'default', 'dontAsk', 'plan', 'auto'].includes(opts.permissionMode)) fail(`option '--permission-mode <mode>' argument '${opts.permissionMode}' is invalid.`);
    }
    else if (takesValue.has(a)) value();
    else if (a === '--dangerously-skip-permissions' || a === '--include-partial-messages') {
      // accepted, no effect in the fake
    } else fail(`unknown option '${a}'`);
  }
  return opts;
}

function compareVersion(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

const opts = parseArgs(process.argv.slice(2));
if (opts.version) {
  process.stdout.write(`${VERSION} (Claude Code)\n`);
  process.exit(0);
}
if (!opts.print) await terminalUi();
if (opts.inputFormat !== 'stream-json') fail('the fake claude only supports --input-format=stream-json');
if (opts.outputFormat !== 'stream-json') fail('--input-format=stream-json requires output-format=stream-json.');
if (!opts.verbose) fail('When using --print, --output-format=stream-json requires --verbose');
if (opts.sessionId !== null && opts.resume !== null && !opts.forkSession) {
  fail('--session-id can only be used with --continue or --resume if --fork-session is also specified.');
}
if (opts.sessionId !== null && !UUID_RE.test(opts.sessionId)) fail('Invalid session ID. Must be a valid UUID.');

// getcwd() is already the real path, which is what the real CLI names the project folder after.
const cwd = process.cwd();
const transcriptOf = (id) => transcriptIn(cwd, id);

let sessionId;
let whenInitialized = () => {};
const active = faults();
// Registered at start-up, before stdin is read, like the real CLI (under a fresh id until a resume switches it).
const registry = registerLiveSession({ sessionId: opts.sessionId ?? randomUUID(), cwd, version: VERSION, entrypoint: 'sdk-cli' });
/** `init-other-id`: the registry names the requested id, but the first turn runs in another (a CLI whose two disagree). */
let initId = null;
if (opts.resume !== null) {
  if (active.has('crash-on-resume')) {
    process.stderr.write('fake claude: crashed while loading the conversation (crash-on-resume)\n');
    process.exit(1);
  }
  if (active.has('unknown-id') || !UUID_RE.test(opts.resume) || !hasTranscript(cwd, opts.resume)) {
    record('claude', 'resume-refused', opts.resume, cwd);
    // Real CLI: one `result` line (no control_response, even if initialize was sent), the same text on stderr, exit 1.
    // A UUID is echoed as session_id; a non-UUID (the real CLI would try it as a session title) gets a fresh one.
    const isUuid = UUID_RE.test(opts.resume);
    const error = isUuid
      ? `No conversation found with session ID: ${opts.resume}`
      : `Error: --resume requires a valid session ID or session title when used with --print. Usage: claude -p --resume <session-id|title>. Provided value "${opts.resume}" is not a UUID and does not match any session title.`;
    writeJson({
      type: 'result', subtype: 'error_during_execution', duration_ms: 0, duration_api_ms: 0, is_error: true, num_turns: 0, stop_reason: null,
      session_id: isUuid ? opts.resume : randomUUID(), total_cost_usd: 0, usage: {}, modelUsage: {}, permission_denials: [], uuid: randomUUID(),
      errors: [error],
    });
    process.stderr.write(`${error}\n`);
    exitAfterFlush(1);
    await hangForever();
  }
  // `other-id`: the vendor quietly continues in a new session (what --fork-session does, and what --resume did
  // before 1.0.124); its registry entry names the fork from the start. A strict client must notice.
  const forks = active.has('other-id') || opts.forkSession || FORKS_ON_RESUME;
  sessionId = forks ? opts.sessionId ?? randomUUID() : opts.resume;
  if (active.has('registry-lag')) {
    // The entry names the resumed id only a moment after `initialize` was answered.
    whenInitialized = () => setTimeout(() => registry.setSessionId(sessionId), 300);
  } else registry.setSessionId(sessionId);
  if (active.has('init-other-id')) initId = randomUUID();
  const actual = initId ?? sessionId;
  record('claude', 'resumed', actual, cwd, { ...(actual === opts.resume ? {} : { requested: opts.resume }), ...(opts.permissionMode ? { permissionMode: opts.permissionMode } : {}) });
} else {
  sessionId = opts.sessionId ?? randomUUID();
  registry.setSessionId(sessionId);
  if (hasTranscript(cwd, sessionId)) fail(`Session ID ${sessionId} is already in use.`);
  record('claude', 'created', sessionId, cwd, opts.permissionMode ? { permissionMode: opts.permissionMode } : {});
}
if (initId !== null) sessionId = initId;

let initSent = false;
let lastUuid = null;
/** The turn running now: an interrupt (or a stdin close) aborts it at its next wait. */
let current = null;
let turnChain = Promise.resolve();
const pendingControl = new Map(); // request_id → resolve(response)

function transcriptLine(type, message) {
  const uuid = randomUUID();
  const line = { parentUuid: lastUuid, isSidechain: false, type, message, uuid, timestamp: new Date().toISOString(), ...(type === 'user' ? { promptSource: 'sdk' } : {}), userType: 'external', entrypoint: 'sdk-cli', cwd, sessionId, version: VERSION };
  lastUuid = uuid;
  return line;
}

function assistant(content) {
  const message = { id: `msg_${randomUUID().slice(0, 8)}`, type: 'message', role: 'assistant', model: MODEL, content, stop_reason: null, usage: { input_tokens: 1, output_tokens: 1 } };
  writeJson({ type: 'assistant', message, parent_tool_use_id: null, session_id: sessionId, uuid: randomUUID() });
  return message;
}

/** A tool's result line; `structured` is the CLI's `tool_use_result` beside it (stdout/stderr, a patch, a task). */
function toolResult(toolUseId, content, isError = false, structured = undefined) {
  const message = { role: 'user', content: [{ tool_use_id: toolUseId, type: 'tool_result', content, ...(isError ? { is_error: true } : { is_error: false }) }] };
  writeJson({ type: 'user', message, parent_tool_use_id: null, session_id: sessionId, uuid: randomUUID(), timestamp: new Date().toISOString(), ...(structured !== undefined ? { tool_use_result: structured } : {}) });
  return message;
}

/** The `rich` turn: Claude 2.1.197's shapes for text, the task tools, Bash (good and failing), Read and Edit. */
function richTurn(lines) {
  const id = () => `toolu_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
  const use = (name, input) => {
    const toolId = id();
    lines.push(transcriptLine('assistant', assistant([{ type: 'tool_use', id: toolId, name, input }])));
    return toolId;
  };
  const result = (toolId, content, isError, structured) => lines.push(transcriptLine('user', toolResult(toolId, content, isError, structured)));
  lines.push(transcriptLine('assistant', assistant([{ type: 'text', text: RICH_INTRO }])));
  RICH_PLAN.forEach((item, i) => {
    const t = use('TaskCreate', { subject: item.text, description: item.text, activeForm: item.text });
    result(t, `Task #${i + 1} created successfully: ${item.text}`, false, { task: { id: String(i + 1), subject: item.text } });
  });
  RICH_PLAN.forEach((item, i) => {
    if (item.status === 'pending') return;
    const to = item.status === 'done' ? 'completed' : 'in_progress';
    const t = use('TaskUpdate', { taskId: String(i + 1), status: to });
    result(t, `Updated task #${i + 1} status`, false, { success: true, taskId: String(i + 1), updatedFields: ['status'], statusChange: { from: 'pending', to } });
  });
  const file = `${cwd}/${RICH_EDIT.file}`;
  const read = use('Read', { file_path: file });
  result(read, RICH_EDIT.before.split('\n').map((l, i) => `${i + 1}\t${l}`).join('\n'), false, { type: 'text', file: { filePath: file, content: RICH_EDIT.before, numLines: 2, startLine: 1, totalLines: 2 } });
  const edit = use('Edit', { file_path: file, old_string: RICH_EDIT.before.trimEnd(), new_string: RICH_EDIT.after.trimEnd(), replace_all: false });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, RICH_EDIT.after);
  result(edit, `The file ${file} has been updated successfully.`, false, {
    filePath: file, oldString: RICH_EDIT.before.trimEnd(), newString: RICH_EDIT.after.trimEnd(), originalFile: RICH_EDIT.before,
    structuredPatch: [hunk(RICH_EDIT.before, RICH_EDIT.after)], userModified: false, replaceAll: false,
  });
  const bash = use('Bash', { command: RICH_BASH.command, description: RICH_BASH.description });
  result(bash, RICH_BASH.output, false, { stdout: RICH_BASH.output, stderr: '', interrupted: false, isImage: false, noOutputExpected: false });
  // A failing command: the real CLI prefixes "Exit code N" and gives the structured result as an error string.
  const lint = use('Bash', { command: RICH_FAILING.command, description: RICH_FAILING.description });
  result(lint, `Exit code ${RICH_FAILING.exitCode}\n${RICH_FAILING.output}`, true, `Error: Exit code ${RICH_FAILING.exitCode}\n${RICH_FAILING.output}`);
  lines.push(transcriptLine('assistant', assistant([{ type: 'text', text: RICH_OUTRO }])));
}

/** Permission suggestions shaped as 2.1.197 sends them: a Bash rule for the project's local settings. */
const suggestionsFor = (command) => [{ type: 'addRules', rules: [{ toolName: 'Bash', ruleContent: command.split(/\s/)[0] }], behavior: 'allow', destination: 'localSettings' }];

function askPermission(toolName, input, toolUseId, turn) {
  const requestId = randomUUID();
  return new Promise((resolve) => {
    pendingControl.set(requestId, resolve);
    turn.abort = () => {
      pendingControl.delete(requestId);
      resolve(null);
    };
    writeJson({ type: 'control_request', request_id: requestId, request: { subtype: 'can_use_tool', tool_name: toolName, display_name: toolName, input, description: input.description ?? toolName, permission_suggestions: suggestionsFor(input.command ?? ''), decision_reason_type: 'subcommandResults', tool_use_id: toolUseId } });
  });
}

/** The real CLI exits 1 at the end of its input when its last turn failed (no login, gave up, interrupted). */
let lastTurnFailed = false;

/** A result line with the real CLI's fields (usage and the like left empty). */
function result(fields) {
  lastTurnFailed = fields.is_error === true;
  writeJson({
    type: 'result', subtype: 'success', is_error: false, duration_ms: 1, duration_api_ms: 1, num_turns: 1, stop_reason: 'end_turn',
    session_id: sessionId, total_cost_usd: 0, usage: {}, modelUsage: {}, permission_denials: [], terminal_reason: 'completed', uuid: randomUUID(), ...fields,
  });
}

/** The CLI's stand-in for a model answer when the call failed (`error`: authentication_failed, server_error, …). */
function syntheticAnswer(text, error) {
  const message = { id: randomUUID(), type: 'message', role: 'assistant', model: '<synthetic>', content: [{ type: 'text', text }], stop_reason: 'stop_sequence', usage: { input_tokens: 0, output_tokens: 0 } };
  writeJson({ type: 'assistant', message, parent_tool_use_id: null, session_id: sessionId, uuid: randomUUID(), error });
  return message;
}

/** Resolves after `ms`, or early when the turn is aborted (then with false). */
function wait(turn, ms) {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(true), ms);
    turn.abort = () => (clearTimeout(t), resolve(false));
  });
}

async function runTurn(userMessage) {
  const text = typeof userMessage.content === 'string'
    ? userMessage.content
    : (userMessage.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
  const f = faults();
  if (f.has('crash-on-turn')) {
    process.stderr.write('fake claude: crashed on a user message (crash-on-turn)\n');
    process.exit(1);
  }
  if (!initSent) {
    initSent = true;
    writeJson({
      type: 'system', subtype: 'init', cwd, session_id: sessionId, tools: ['Bash', 'Read', 'Edit', 'Write', 'Glob', 'Grep'], mcp_servers: [],
      model: MODEL, permissionMode: 'default', slash_commands: [], apiKeySource: 'none', claude_code_version: VERSION,
      output_style: 'default', agents: [], skills: [], plugins: [], analytics_disabled: true, uuid: randomUUID(),
    });
  }
  const turn = { aborted: false, abort: () => {} };
  current = turn;
  // The real CLI writes the user message when the turn starts (queue bookkeeping lines first in a new file), so a
  // turn that never ends still leaves a resumable transcript; the rest follows as the turn goes on.
  const file = transcriptOf(sessionId);
  const write = (rows) => {
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, rows.map((l) => JSON.stringify(l)).join('\n') + '\n');
  };
  const head = [];
  if (!hasTranscript(cwd, sessionId)) {
    const at = new Date().toISOString();
    head.push({ type: 'queue-operation', operation: 'enqueue', timestamp: at, sessionId }, { type: 'queue-operation', operation: 'dequeue', timestamp: at, sessionId });
  }
  head.push(transcriptLine('user', { role: 'user', content: userMessage.content }));
  write(head);
  const lines = [];
  const finish = (fields) => {
    if (lines.length > 0) write(lines);
    if (current === turn) current = null;
    result(fields);
  };
  const aborted = () => {
    // What the real CLI prints after an interrupt: a user line, then an error result with an internal diagnostic.
    const message = { role: 'user', content: [{ type: 'text', text: '[Request interrupted by user]' }] };
    lines.push(transcriptLine('user', message));
    writeJson({ type: 'user', message, parent_tool_use_id: null, session_id: sessionId, uuid: randomUUID(), timestamp: new Date().toISOString() });
    finish({ subtype: 'error_during_execution', is_error: true, num_turns: 2, stop_reason: null, terminal_reason: 'aborted_streaming', errors: ['[ede_diagnostic] result_type=user last_content_type=n/a stop_reason=null'] });
  };

  if (f.has('auth-failed')) {
    // No login (no key, no OAuth): the CLI answers for the model at once; the transcript keeps the turn.
    const msg = 'Not logged in · Please run /login';
    lines.push(transcriptLine('assistant', syntheticAnswer(msg, 'authentication_failed')));
    return finish({ is_error: true, result: msg, stop_reason: 'stop_sequence' });
  }
  const retries = f.has('vendor-gave-up') ? Number(process.env.BATON_FAKE_RETRIES ?? 2) : f.has('api-retry') ? 2 : 0;
  for (let attempt = 1; attempt <= retries; attempt++) {
    const delay = 20 * attempt;
    writeJson({ type: 'system', subtype: 'api_retry', attempt, max_retries: f.has('vendor-gave-up') ? retries : 10, retry_delay_ms: delay + 0.5, error_status: null, error: 'unknown', session_id: sessionId, uuid: randomUUID() });
    if (!(await wait(turn, delay))) return aborted();
  }
  if (f.has('vendor-gave-up')) {
    const msg = 'API Error: Unable to connect to API (ConnectionRefused)';
    lines.push(transcriptLine('assistant', syntheticAnswer(msg, 'server_error')));
    return finish({ is_error: true, result: msg, stop_reason: 'stop_sequence' });
  }
  if (f.has('slow-turn') && !(await wait(turn, Number(process.env.BATON_FAKE_TURN_MS ?? 3000)))) return aborted();

  const denials = [];
  if (f.has('permission') || f.has('long-permission')) {
    const id = `toolu_${randomUUID().slice(0, 12)}`;
    const input = { command: f.has('long-permission') ? LONG_COMMAND : PERMISSION_TOOL.input, description: f.has('long-permission') ? 'Clean up' : 'List files' };
    lines.push(transcriptLine('assistant', assistant([{ type: 'tool_use', id, name: PERMISSION_TOOL.tool, input }])));
    let allowed = false;
    let denial = `Claude requested permissions to use ${PERMISSION_TOOL.tool}, but you haven't granted it yet.`;
    if (opts.permissionPromptTool === 'stdio') {
      const answer = await askPermission(PERMISSION_TOOL.tool, input, id, turn);
      if (turn.aborted) return aborted();
      allowed = answer?.behavior === 'allow';
      if (allowed) record('claude', 'permission-allowed', sessionId, cwd, answer.updatedPermissions ? { updatedPermissions: answer.updatedPermissions } : {});
      // The real CLI hands the deny `message` to the model verbatim as the tool result.
      if (!allowed && typeof answer?.message === 'string') denial = answer.message;
    }
    if (allowed) lines.push(transcriptLine('user', toolResult(id, 'README.md\n')));
    else {
      denials.push({ tool_name: PERMISSION_TOOL.tool, tool_use_id: id, tool_input: input });
      lines.push(transcriptLine('user', toolResult(id, denial, true)));
    }
    lines.push(transcriptLine('assistant', assistant([{ type: 'text', text: permissionReply(allowed) }])));
  }
  if (f.has('rich')) richTurn(lines);
  const readId = `toolu_${randomUUID().slice(0, 12)}`;
  lines.push(transcriptLine('assistant', assistant([{ type: 'tool_use', id: readId, name: TURN_TOOL.tool, input: { file_path: TURN_TOOL.input } }])));
  lines.push(transcriptLine('user', toolResult(readId, '# fake README\n')));
  const answer = replyText(text);
  lines.push(transcriptLine('assistant', assistant([{ type: 'text', text: answer }])));
  // The real CLI has flushed the transcript by the time it reports the result.
  finish({ result: answer, permission_denials: denials });
}

function onControlRequest(msg) {
  const subtype = msg.request?.subtype;
  const ok = (response) => writeJson({ type: 'control_response', response: { subtype: 'success', request_id: msg.request_id, ...(response ? { response } : {}) } });
  if (subtype === 'initialize') {
    ok({ commands: [], agents: [], output_style: 'default', available_output_styles: ['default'], models: [], account: { tokenSource: 'none', apiProvider: 'firstParty' }, pid: process.pid });
    whenInitialized();
  } else if (subtype === 'interrupt') {
    // Answered at once (no payload, like the real CLI); a running turn then ends as aborted.
    ok();
    if (current && !current.aborted) {
      current.aborted = true;
      current.abort();
    }
  } else if (subtype === 'set_permission_mode') {
    record('claude', 'permission-mode', sessionId, cwd, { mode: msg.request.mode });
    ok({});
  } else if (subtype === 'set_model') ok({});
  else writeJson({ type: 'control_response', response: { subtype: 'error', request_id: msg.request_id, error: `Unsupported control request subtype: ${subtype}` } });
}

// The handshake faults hold back every answer (a real CLI stuck loading never reads stdin either).
const queue = [];
let ready = false;
function handle(msg) {
  if (msg.type === 'control_request') onControlRequest(msg);
  else if (msg.type === 'control_response') {
    const resolve = pendingControl.get(msg.response?.request_id);
    if (resolve) {
      pendingControl.delete(msg.response.request_id);
      resolve(msg.response.subtype === 'success' ? msg.response.response : { behavior: 'deny', message: msg.response.error });
    }
  } else if (msg.type === 'user') {
    if (msg.message?.role !== 'user') fail('Expected message role "user"');
    turnChain = turnChain.then(() => runTurn(msg.message));
  } else {
    process.stderr.write(`Error: Expected message type 'user' or 'control', got '${msg.type}'\n`);
  }
}
readJsonLines((msg) => (ready ? handle(msg) : queue.push(msg)), {
  onBadLine: (line) => process.stderr.write(`Error parsing streaming input line: ${line}\n`),
  onEnd: () => turnChain.then(() => exitAfterFlush(lastTurnFailed ? 1 : 0)),
});
await handshakeDelay();
ready = true;
for (const msg of queue.splice(0)) handle(msg);

/**
 * `claude` in a terminal, as far as other programs can see it: a registry entry (entrypoint `cli`) and no session
 * id in argv. `/resume <id>` on stdin switches the session, like the picker; it idles until stdin closes.
 */
async function terminalUi() {
  const reg = registerLiveSession({ sessionId: opts.resume ?? opts.sessionId ?? randomUUID(), cwd: process.cwd(), version: VERSION, entrypoint: 'cli' });
  process.stdin.on('data', (chunk) => {
    const m = /\/resume\s+(\S+)/.exec(String(chunk));
    if (m) reg.setSessionId(m[1]);
  });
  process.stdin.on('end', () => process.exit(0));
  await hangForever();
}
