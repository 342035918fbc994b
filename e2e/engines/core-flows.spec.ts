// The core phone flows in every engine — Chromium (Playwright), Firefox ESR (WebDriver BiDi), WebKitGTK (WebDriver):
// pair from a link, the list, resume & send, archived explained, offline reload from the worker, and a message queued
// while the server is down — sent in the restart window, before its machine is back — delivered exactly once.
import { click, textOf, type, waitForText, waitIn, type Phone } from './phone.ts';
import { expect, test } from './fixtures.ts';
import type { Stack } from './stack.ts';
import { until } from './stack.ts';

async function pair(phone: Phone, stack: Stack): Promise<void> {
  await phone.goto(await stack.pairLink());
  await click(phone, 'button', 'Pair this phone');
  await waitForText(phone, 'h1', 'Sessions');
}

const open = (phone: Phone, stack: Stack, id: string) => phone.goto(`${stack.url}/#/s/${encodeURIComponent(id)}`);
const controlled = (phone: Phone) => waitIn(phone, 'the service worker to control the page', 'navigator.serviceWorker?.controller != null', 30_000);
const live = (phone: Phone) => waitIn(phone, 'the screen to be live', `!!document.querySelector('.freshness.live')`);
/** The state word and the wait line of my message with this text. */
const mine = (phone: Phone, text: string) =>
  phone.eval<{ state: string; wait: string; failure: string } | null>(`(() => {
    const m = [...document.querySelectorAll('.msg-user')].find((e) => (e.querySelector('.bubble')?.textContent || '') === ${JSON.stringify(text)});
    return m ? { state: m.querySelector('.state')?.textContent || '', wait: m.querySelector('.wait')?.textContent || '', failure: m.querySelector('.failure')?.textContent || '' } : null;
  })()`);
const mineIs = (phone: Phone, text: string, state: string, timeoutMs = 30_000) =>
  waitIn(phone, `“${text}” to be ${state}`, `(() => {
    const m = [...document.querySelectorAll('.msg-user')].find((e) => (e.querySelector('.bubble')?.textContent || '') === ${JSON.stringify(text)});
    return m?.querySelector('.state')?.textContent === ${JSON.stringify(state)};
  })()`, timeoutMs);

async function send(phone: Phone, text: string, button: string): Promise<void> {
  await type(phone, 'textarea[aria-label="Message"]', text);
  await click(phone, 'button.send', button);
}

test('pair from a link, then the list of every session — longer than a screen, all rows rendered', async ({ phone, stack, shot }) => {
  const s = await stack.resumableSession('Fix the flaky test');
  await pair(phone, stack);
  await waitForText(phone, `[data-session-id="${s.id}"]`, 'Fix the flaky test');
  // 45 sessions found on the machine plus the managed ones; the rows past the first screen come in idle-time
  // chunks (a timer where there is no requestIdleCallback, as in WebKit).
  const total = (await stack.route('sync', { query: { since: 0 } })).sessions.length;
  expect(total).toBeGreaterThan(45);
  await waitIn(phone, `all ${total} rows`, `document.querySelectorAll('.session-row').length === ${total}`);
  expect(await phone.eval('innerWidth')).toBeLessThanOrEqual(412);
  await shot('list');
});

test('resume & send: the same vendor session is reopened, the message delivered and answered', async ({ phone, stack, shot }) => {
  const s = await stack.resumableSession('Resume me');
  await pair(phone, stack);
  await open(phone, stack, s.id);
  await waitForText(phone, '.topbar .chip', 'inactive · resumable');
  await send(phone, 'pick it up again', 'Resume & send');
  await mineIs(phone, 'pick it up again', 'answered');
  await waitForText(phone, '.transcript', 'echo: pick it up again');
  expect((await stack.session(s.id)).vendorResumeId).toBe(s.vendorResumeId);
  expect(stack.claudeRecord().filter((r) => r.vendorId === s.vendorResumeId).map((r) => r.event)).toEqual(['created', 'resumed']);
  await shot('resume-and-send');
});

test('an archived session says why it cannot take a message, and how to fix it', async ({ phone, stack, shot }) => {
  const s = await stack.resumableSession('Old work');
  await stack.route('archiveSession', { id: s.id });
  await pair(phone, stack);
  await open(phone, stack, s.id);
  await waitForText(phone, '.banner-blocked[data-reason="archived"]', 'archived sessions are never resumed');
  await waitForText(phone, '.banner-blocked button', 'Unarchive');
  expect(await phone.eval(`document.querySelector('textarea[aria-label="Message"]').disabled`)).toBe(true);
  await shot('archived');
});

test('offline reload: with the server gone, the worker serves the app and the list paints from the cache, "as of"', async ({ phone, stack, shot }) => {
  const s = await stack.resumableSession('Read on the train');
  await pair(phone, stack);
  await controlled(phone);
  await waitForText(phone, `[data-session-id="${s.id}"]`, 'Read on the train');
  await live(phone);
  await stack.stopServer();
  try {
    await phone.reload();
    await waitForText(phone, `[data-session-id="${s.id}"]`, 'Read on the train');
    await waitForText(phone, '.freshness', /offline — as of \d\d:\d\d:\d\d/);
    await shot('offline-reload');
  } finally {
    await stack.startServer();
  }
});

// Regression (issue 17): a message queued while the server was down was sent in the second after the server came
// back but before its machine had reconnected; the refusal (409 machine-offline) was taken as final and the message
// showed "not delivered" with a raw ISO time. `baton up` runs server and daemon in one process, so that window is
// short; here they are separate processes, so the window is held open for as long as the test needs.
test('queued while the server is down, sent in the restart window: waits for its machine, then delivered exactly once', async ({ phone, stack, shot }) => {
  const s = await stack.resumableSession('Queue through a restart');
  await pair(phone, stack);
  await controlled(phone);
  await open(phone, stack, s.id);
  await waitForText(phone, '.topbar .chip', 'inactive · resumable');
  await live(phone);
  // Every POST /messages the page makes, with its time (the API client looks `fetch` up at each call).
  await phone.eval(`(() => {
    window.__posts = [];
    const f = window.fetch;
    window.fetch = (input, init) => {
      if (init && init.method === 'POST' && /\\/messages$/.test(String(input))) window.__posts.push(Date.now());
      return f(input, init);
    };
    return true;
  })()`);

  await stack.stopServer();
  await stack.stopDaemon();
  await waitForText(phone, '.freshness', /offline — as of/);
  const text = 'sent while the server restarts';
  await send(phone, text, 'Resume & send');
  await mineIs(phone, text, 'queued');
  await waitIn(phone, 'the queued message to say what it waits for', `(() => {
    const w = [...document.querySelectorAll('.msg-user .wait')].map((e) => e.textContent).join('|');
    return /waiting for the server — not reachable since/.test(w);
  })()`);
  await shot('queued-server-down');
  // Down for a while: the page keeps to the backoff (a handful of tries, not hundreds).
  await new Promise((r) => setTimeout(r, 4_000));
  const downTries = await phone.eval<number>('window.__posts.length');
  expect(downTries).toBeGreaterThanOrEqual(1);
  expect(downTries).toBeLessThanOrEqual(5);

  // The server is back; its machine is not (yet).
  await stack.startServer();
  await mineIs(phone, text, 'waiting', 45_000);
  // Once caught up, it names the machine it waits for, when that was last seen and when the server gives up.
  await waitIn(phone, 'the held message to say what it waits for', `(() => {
    const w = [...document.querySelectorAll('.msg-user .wait')].map((e) => e.textContent).join('|');
    return /waiting for “laptop” — last seen (just now|\\d+ min ago) · gives up tomorrow at \\d\\d:\\d\\d/.test(w);
  })()`);
  const waiting = await mine(phone, text);
  expect(JSON.stringify(waiting)).not.toMatch(/\d{4}-\d\d-\d\dT/);
  const held = (await stack.messages(s.id)).filter((m) => m.text === text);
  expect(held.map((m) => m.state)).toEqual(['held']);
  await shot('waiting-for-machine');

  // The machine reconnects: the server sends it through the strict resume of the same vendor session.
  await stack.startDaemon();
  await mineIs(phone, text, 'answered', 45_000);
  await waitForText(phone, '.transcript', `echo: ${text}`);
  const stored = await until('the message answered on the server', async () => {
    const all = (await stack.messages(s.id)).filter((m) => m.text === text);
    return all.every((m) => m.state === 'answered') ? all : undefined;
  });
  expect(stored).toHaveLength(1);
  expect((await stack.messages(s.id)).filter((m) => m.text === `echo: ${text}`)).toHaveLength(1);
  expect(stack.claudeRecord().filter((r) => r.vendorId === s.vendorResumeId).map((r) => r.event)).toEqual(['created', 'resumed']);
  expect(await textOf(phone, '.topbar .chip')).toBe('live');
  await shot('delivered-after-restart');
});
