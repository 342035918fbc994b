// Text the server can store exactly as sent, and every text the limits allow.
// Regression: a lone surrogate (half of a UTF-16 pair, valid JSON) was stored as U+FFFD without a word, and the
// 256 KiB body limit refused texts well under the 100,000-character limit (45,000 control characters are 270 kB of JSON).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/core/index.ts';
import { apiClient, startTestServer, type ScriptedMachine, type TestServer } from '../helpers/server-harness.ts';
import { dumpDatabase, liveSession, userMessagesOf } from './fixtures.ts';

let ts: TestServer;
let laptop: ScriptedMachine;
let sessionId: string;
beforeAll(async () => {
  ts = await startTestServer({ rateLimits: { sendBurst: 1_000 } });
  laptop = ts.machine('laptop');
  await laptop.connect();
  sessionId = (await liveSession(ts, laptop)).id;
});
afterAll(async () => {
  await laptop.disconnect();
  await ts.stop();
});

/** POST with the path and body written by hand (raw on purpose: the typed client cannot send a lone surrogate as is). */
const post = (path: string, json: string) => ts.phone.call('POST', path, undefined, json);

describe('lone surrogates', () => {
  it.each([
    ['a message', () => `/api/sessions/${sessionId}/messages`, (bad: string) => `{"clientId":"lone-1","text":"${bad}"}`],
    ['a start’s cwd', () => '/api/sessions', (bad: string) => `{"machineId":"${laptop.machineId}","provider":"claude","cwd":"/work/${bad}"}`],
    ['a start’s title', () => '/api/sessions', (bad: string) => `{"machineId":"${laptop.machineId}","provider":"claude","cwd":"/work/a","title":"${bad}"}`],
    ['a pairing name', () => '/api/pair', (bad: string) => `{"code":"AAAAA-AAAAA","kind":"phone","name":"${bad}"}`],
  ])('in %s are refused with 400, changing nothing', async (_what, path, body) => {
    for (const bad of ['\\ud800', 'tail \\udfff', '\\udc00\\ud800 reversed']) {
      const before = dumpDatabase(ts.home);
      const res = await post(path(), body(bad));
      expect(res.status, bad).toBe(400);
      expect(res.body.error.message).toMatch(/valid Unicode/);
      expect(dumpDatabase(ts.home)).toBe(before);
    }
  });

  it('a whole pair (an emoji written as escapes) is fine', async () => {
    const res = await post(`/api/sessions/${sessionId}/messages`, '{"clientId":"pair-1","text":"ok \\ud83d\\ude00"}');
    expect(res.status).toBe(202);
    expect(res.body.message.text).toBe('ok 😀');
  });
});

describe('the body limit fits the text limit', () => {
  it.each([
    // Each written as `\u0001` by JSON: 6 bytes a character, 600 kB for the whole text.
    ['control characters', '\u0001'],
    // 3 bytes each in UTF-8.
    ['CJK characters', '漢'],
    // Two UTF-16 units (the limit counts units) and 4 bytes each.
    ['emoji', '😀'],
  ])('a message of %s up to the limit is accepted and stored exactly', async (what, unit) => {
    const text = unit.repeat(LIMITS.messageTextChars / unit.length);
    expect(text.length).toBe(LIMITS.messageTextChars);
    const res = await ts.phone.route('sendMessage', { id: sessionId, body: { clientId: `max-${what.replace(/\W/g, '')}`, text } });
    expect(res.status).toBe(202);
    expect((await userMessagesOf(ts, sessionId)).find((m) => m.clientId === `max-${what.replace(/\W/g, '')}`)?.text).toBe(text);
  });

  it('a start with a maximal first message, cwd and title fits too', async () => {
    const res = await ts.phone.route('startSession', { body: {
      machineId: laptop.machineId, provider: 'claude', cwd: `/${'\u0001'.repeat(LIMITS.cwdChars - 1)}`, title: '\u0001'.repeat(LIMITS.titleChars),
      message: { clientId: 'max-start', text: '\u0001'.repeat(LIMITS.messageTextChars) },
    } });
    expect(res.status).toBe(201);
  });

  it('one character more is refused for its length (400), not for its bytes (413)', async () => {
    const res = await ts.phone.route('sendMessage', { id: sessionId, body: { clientId: 'too-long', text: '\u0001'.repeat(LIMITS.messageTextChars + 1) } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/at most 100000 characters/);
  });

  it('a body past the limit is still refused with 413', async () => {
    const res = await apiClient(ts.url, ts.phoneToken).call('POST', `/api/sessions/${sessionId}/messages`, undefined, `{"clientId":"big","text":"${'x'.repeat(LIMITS.httpBodyBytes)}"}`);
    expect(res.status).toBe(413);
  });
});
