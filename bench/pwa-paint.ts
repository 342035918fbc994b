// PWA paint on a Pixel 7 profile with 4× CPU slowdown (CDP): cold load FCP, warm load, offline list with 500 cached
// sessions (its first screen painted, and all rows in the page), and a 2,000-message transcript becoming scrollable.
// Data seeded through a real server and a paired phone. Each budget is a ratio to a baseline measured in the same
// run: the offline list against a static HTML page of the same rows and CSS, precached by the same service worker;
// the cold FCP against a static page of the same size as the app's first load.
import { chromium, devices, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from './lib/build.ts';
import { BenchMachine, createSessions, http, until } from './lib/clients.ts';
import { sized } from './lib/mode.ts';
import { holds, info, REPO, runBench, type Baseline, type Figure } from './lib/report.ts';
import { benchServerConfig, startServerProcess } from './lib/server-process.ts';
import { median } from './lib/stats.ts';
import { analyse } from './pwa-weight.ts';

const RUNS = Number(process.env.BATON_BENCH_PAINT_RUNS ?? sized(7, 1));
const SESSIONS = sized(500, 100);
const MESSAGES = sized(2_000, 200);
const CPU_SLOWDOWN = 4;
/** DESIGN.md: the cached list painted offline in ≤ 1.5× a static HTML page of the same rows from the same service worker. */
const BUDGET_OFFLINE_RATIO = 1.5;
/** The static pages the run writes next to the app (same origin, same server, same service worker). */
const STATIC_LIST = 'bench-static-list.html';
const STATIC_COLD = 'bench-static-cold.html';
const LAST_TEXT = `transcript line ${MESSAGES}`;
/** Issue 12: a transcript of rich entries (markdown, tool cards, diffs, plans) scrollable in ≤ 1.25× the plain one's time. */
const BUDGET_RICH_RATIO = 1.25;
const RICH_LAST_TEXT = `rich transcript line ${MESSAGES}`;

/** The i-th of a rich transcript's entries: markdown with code, a command with its output, an edit, a checklist. */
function richEvent(i: number): Record<string, unknown> {
  if (i === MESSAGES) return { kind: 'text', text: `**${RICH_LAST_TEXT}**: all done.` };
  const tool = (extra: Record<string, unknown>) => ({ kind: 'tool-call', callId: `call-${i}`, title: null, status: 'done', changes: [], ...extra });
  switch (i % 4) {
    case 0:
      return { kind: 'text', text: `### Step ${i}

I read \`src/module-${i}.ts\` and changed:

- the **parser**
- the \`tests\`

\`\`\`ts
export function step${i}(x: number): number {
  return x * ${i}; // scaled
}
\`\`\`` };
    case 1:
      return tool({ tool: 'Bash', input: JSON.stringify({ command: `npm test -- module-${i}` }), result: { text: Array.from({ length: 14 }, (_, k) => `ok ${k + 1} - case ${k + 1} of module ${i}`).join('\n'), truncated: false, size: 420, exitCode: 0 } });
    case 2:
      return tool({
        tool: 'Edit', input: JSON.stringify({ file_path: `src/module-${i}.ts` }), result: null,
        changes: [{ path: `src/module-${i}.ts`, kind: 'edit', before: null, after: null, truncated: false, patch: `@@ -1,4 +1,5 @@\n import { x } from './x';\n-export const a = ${i};\n+export const a = ${i + 1};\n+export const b = a * 2;\n export default a;\n` }],
      });
    default:
      return { kind: 'plan', planId: `plan-${i}`, items: [{ text: 'Read the module', status: 'done' }, { text: 'Change it', status: 'done' }, { text: 'Run the tests', status: 'in-progress' }, { text: 'Commit', status: 'pending' }] };
  }
}

const LAUNCH = {
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

/**
 * Installed in every page: marks (performance.now(), from navigation start) the frame after the app shows
 * what we wait for — rAF runs just before that frame paints, the task after it runs once it has.
 * A string, not a function: tsx wraps named inner functions in a `__name` helper that the page does not have.
 */
const markers = (expected: { rows: number; lastText: string; richLastText: string }) => `(() => {
  const expected = ${JSON.stringify(expected)};
  const b = (window.__bench = {});
  const mark = (name) => {
    if (b[name] !== undefined || b['_' + name]) return;
    b['_' + name] = 1;
    requestAnimationFrame(() => setTimeout(() => (b[name] = performance.now()), 0));
  };
  const check = () => {
    const rowEls = document.querySelectorAll('.session-row');
    const rows = rowEls.length;
    if (rows >= 1) mark('firstRow');
    if (rows >= expected.rows) mark('list');
    // The screen is full of rows: the last row in the page reaches the viewport's bottom edge (or the list is complete).
    if (rows >= 1 && !b._screen && (rows >= expected.rows || rowEls[rows - 1].getBoundingClientRect().bottom >= innerHeight)) mark('screen');
    const t = document.querySelector('.transcript');
    if (t && t.scrollHeight > t.clientHeight && t.textContent.includes(expected.lastText)) mark('transcript');
    if (t && t.scrollHeight > t.clientHeight && t.textContent.includes(expected.richLastText)) mark('richTranscript');
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, characterData: true });
  // Layout can make a condition true without a DOM change (a box gains its height): check every frame too, for 30 s.
  const until = performance.now() + 30000;
  const tick = () => { check(); if (performance.now() < until) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
})();`;

const IDB_READ = `(async () => {
  const name = (await indexedDB.databases()).map((d) => d.name).find((n) => n && n.startsWith('baton-') && n !== 'baton-profiles');
  const db = await new Promise((ok, ko) => { const r = indexedDB.open(name); r.onsuccess = () => ok(r.result); r.onerror = () => ko(r.error); });
  const t0 = performance.now();
  await new Promise((ok) => { const r = db.transaction('sessions').objectStore('sessions').getAll(); r.onsuccess = ok; });
  const ms = performance.now() - t0;
  db.close();
  return ms;
})()`;

async function throttledPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
  return page;
}

async function fcp(page: Page): Promise<number> {
  const h = await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime, null, { timeout: 30_000 });
  return (await h.jsonValue()) as number;
}

async function mark(page: Page, name: 'list' | 'screen' | 'firstRow' | 'transcript' | 'richTranscript'): Promise<number> {
  try {
    const h = await page.waitForFunction((n) => (window as unknown as { __bench: Record<string, number> }).__bench?.[n], name, { timeout: 30_000, polling: 50 });
    return (await h.jsonValue()) as number;
  } catch (err) {
    const state = await page.evaluate(() => ({ bench: (window as unknown as { __bench: unknown }).__bench, rows: document.querySelectorAll('.session-row').length, hash: location.hash, body: document.body.innerText.slice(0, 300) })).catch(() => null);
    throw new Error(`${(err as Error).message}\npage state: ${JSON.stringify(state)}`);
  }
}

const spread = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs });
const show = (xs: number[]) => `${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;

/** The page's own HTML with every script and module preload taken out: what it shows, without the code that built it. */
const STATIC_SNAPSHOT = `(() => {
  const doc = document.documentElement.cloneNode(true);
  for (const el of doc.querySelectorAll('script, link[rel="modulepreload"]')) el.remove();
  return '<!doctype html>' + doc.outerHTML;
})()`;

/**
 * Adds `file` to the precache list injected into sw.js (injectManifest), so the same service worker serves it
 * offline like the app's shell; the revision is the file's hash, as Workbox would write it.
 */
function precacheToo(dir: string, file: string): void {
  const swPath = join(dir, 'sw.js');
  const sw = readFileSync(swPath, 'utf8');
  const anchor = '"url":"index.html"}';
  if (!sw.includes(anchor)) throw new Error('sw.js has no precache entry for index.html to add the static page next to');
  const revision = createHash('md5').update(readFileSync(join(dir, file))).digest('hex');
  writeFileSync(swPath, sw.replace(anchor, `${anchor},{"revision":"${revision}","url":"${file}"}`));
}

/** A static page as big as the app's first load (HTML + initial JS + CSS): its first screen, the rest as hidden text. */
function staticColdPage(dir: string, welcomeHtml: string): { bytes: number } {
  const a = analyse(dir);
  const target = a.htmlSize.raw + a.jsSize.raw + a.cssSize.raw;
  const head = welcomeHtml.replace('</body>', '');
  const filler = target - Buffer.byteLength(head) - '<div hidden></div></body></html>'.length - a.cssSize.raw;
  const page = `${head}<div hidden>${'static filler text, parsed but never shown. '.repeat(Math.max(0, Math.ceil(filler / 44))).slice(0, Math.max(0, filler))}</div></body></html>`;
  writeFileSync(join(dir, STATIC_COLD), page);
  return { bytes: Buffer.byteLength(page) + a.cssSize.raw };
}

export async function pwaPaint() {
  if (!existsSync(LAUNCH.executablePath)) execFileSync('bash', [join(REPO, 'scripts/ensure-chromium.sh')], { stdio: 'inherit' });
  const build = buildApp();
  // A copy of the build: the run adds its two static pages and one precache entry, never touching a shared dist/.
  const dir = mkdtempSync(join(tmpdir(), 'baton-bench-paint-'));
  cpSync(build.dir, dir, { recursive: true });
  const srv = await startServerProcess(benchServerConfig({ staticDir: dir }));
  let machine: BenchMachine | null = null;
  let browser: Browser | null = null;
  try {
    // Seed through the real API and machine socket: 500 sessions, one of them with 2,000 agent messages.
    const { token } = (await srv.phoneTokens(1))[0]!;
    const api = http(srv.url, token);
    const m = await srv.machineToken('laptop');
    machine = new BenchMachine(srv.url, m.token);
    await machine.connect();
    const ids = await createSessions(api, machine, SESSIONS, 16, (i) => `Refactor module ${i} and run the tests`);
    const long = ids[0]!;
    for (let i = 1; i <= MESSAGES; i++) {
      const text = i === MESSAGES ? LAST_TEXT : `transcript line ${i}: read the file, changed the function, ran the tests — all green.`;
      machine.send({ type: 'agent-event', sessionId: long, eventId: `seed-${i}`, event: { kind: 'text', text } });
    }
    await until(async () => (await api.route('listMessages', { id: long, query: { limit: 1 } })).body.messages[0]?.text === LAST_TEXT, `the ${MESSAGES} messages to be stored`, 60_000, 50);
    // The same length of transcript, made of rich entries, in another session.
    const rich = ids[1]!;
    for (let i = 1; i <= MESSAGES; i++) machine.send({ type: 'agent-event', sessionId: rich, eventId: `rich-${i}`, event: richEvent(i) as never });
    await until(async () => (await api.route('listMessages', { id: rich, query: { limit: 1 } })).body.messages[0]?.text.includes(RICH_LAST_TEXT), `the ${MESSAGES} rich entries to be stored`, 60_000, 50);

    browser = await chromium.launch(LAUNCH);
    const device = { ...devices['Pixel 7'], serviceWorkers: 'allow' as const };
    const expected = { rows: SESSIONS, lastText: LAST_TEXT, richLastText: RICH_LAST_TEXT };

    // The two baselines, written from what the app itself renders, before any service worker is installed.
    const snap = await browser.newContext({ ...device, serviceWorkers: 'block' });
    const snapPage = await snap.newPage();
    await snapPage.goto(srv.url, { waitUntil: 'networkidle' });
    const cold = staticColdPage(dir, (await snapPage.evaluate(STATIC_SNAPSHOT)) as string);
    await snapPage.goto((await srv.pairingCode('phone')).link);
    await snapPage.getByRole('button', { name: 'Pair this phone' }).click();
    await snapPage.waitForFunction((n) => document.querySelectorAll('.session-row').length >= n, SESSIONS, { timeout: 60_000 });
    const listHtml = (await snapPage.evaluate(STATIC_SNAPSHOT)) as string;
    await snap.close();
    writeFileSync(join(dir, STATIC_LIST), listHtml);
    precacheToo(dir, STATIC_LIST);

    // Cold: a first visit (nothing cached, no service worker, not paired) — what a new phone sees — and the static
    // page of the same size, alternating so both meet the same load.
    const coldApp: number[] = [];
    const coldStatic: number[] = [];
    let coldRequests = 0;
    for (let i = 0; i < RUNS; i++) {
      for (const [url, out] of [[srv.url, coldApp], [`${srv.url}/${STATIC_COLD}`, coldStatic]] as const) {
        const ctx = await browser.newContext(device);
        const page = await throttledPage(ctx);
        let requests = 0;
        page.on('request', () => requests++);
        await page.goto(url, { waitUntil: 'load' });
        out.push(await fcp(page));
        if (out === coldApp) {
          await page.waitForLoadState('networkidle');
          if (i === 0) coldRequests = requests;
        }
        await ctx.close();
      }
    }

    // One paired phone: pair from the link, let it sync the sessions and the service worker take control.
    const ctx = await browser.newContext(device);
    await ctx.addInitScript({ content: markers(expected) });
    const setup = await ctx.newPage();
    await setup.goto((await srv.pairingCode('phone')).link);
    await setup.getByRole('button', { name: 'Pair this phone' }).click();
    await setup.waitForFunction((n) => document.querySelectorAll('.session-row').length >= n, SESSIONS, { timeout: 60_000 });
    await setup.waitForFunction(() => navigator.serviceWorker?.controller !== null, null, { timeout: 30_000 });
    // The worker has precached the static list page too (it is in its manifest).
    await setup.waitForFunction(async (f) => (await caches.keys()).length > 0 && (await Promise.all((await caches.keys()).map(async (k) => (await (await caches.open(k)).keys()).some((r) => r.url.includes(f))))).some(Boolean), STATIC_LIST, { timeout: 30_000, polling: 200 });
    await setup.close();

    const warmFcp: number[] = [];
    const warmScreen: number[] = [];
    const warmList: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const page = await throttledPage(ctx);
      await page.goto(srv.url, { waitUntil: 'load' });
      warmFcp.push(await fcp(page));
      warmScreen.push(await mark(page, 'screen'));
      warmList.push(await mark(page, 'list'));
      await page.close();
    }

    const offlineScreen: number[] = [];
    const offlineList: number[] = [];
    const offlineFirst: number[] = [];
    const offlineFcp: number[] = [];
    const staticScreen: number[] = [];
    let idbRead = Number.NaN;
    await ctx.setOffline(true);
    try {
      for (let i = 0; i < RUNS; i++) {
        const page = await throttledPage(ctx);
        await page.goto(srv.url, { waitUntil: 'load' });
        offlineScreen.push(await mark(page, 'screen'));
        offlineList.push(await mark(page, 'list'));
        offlineFirst.push(await mark(page, 'firstRow'));
        offlineFcp.push(await fcp(page));
        // Diagnosis for the miss, if any: how much of it is only reading the cached sessions (throttled too).
        if (i === RUNS - 1) idbRead = (await page.evaluate(IDB_READ)) as number;
        await page.close();
        // The baseline, right after, in the same conditions: the same rows as static HTML from the same worker.
        const base = await throttledPage(ctx);
        await base.goto(`${srv.url}/${STATIC_LIST}`, { waitUntil: 'load' });
        staticScreen.push(await mark(base, 'screen'));
        await base.close();
      }
    } finally {
      await ctx.setOffline(false);
    }

    // The plain transcript and the rich one, alternating, so both meet the same moments of the machine's load.
    const transcript: number[] = [];
    const richTranscript: number[] = [];
    let rendered = 0;
    let richRendered = 0;
    for (let i = 0; i < RUNS; i++) {
      const page = await throttledPage(ctx);
      await page.goto(`${srv.url}/#/s/${encodeURIComponent(long)}`, { waitUntil: 'load' });
      transcript.push(await mark(page, 'transcript'));
      rendered = await page.locator('.transcript > *').count();
      await page.close();
      const richPage = await throttledPage(ctx);
      await richPage.goto(`${srv.url}/#/s/${encodeURIComponent(rich)}`, { waitUntil: 'load' });
      richTranscript.push(await mark(richPage, 'richTranscript'));
      richRendered = await richPage.locator('.transcript > *').count();
      await richPage.close();
    }
    await ctx.close();
    const richRatios = richTranscript.map((x, i) => x / transcript[i]!);
    const richRatio = median(richRatios);

    const pairRatios = offlineScreen.map((x, i) => x / staticScreen[i]!);
    const offlineRatio = median(pairRatios);
    const coldRatios = coldApp.map((x, i) => x / coldStatic[i]!);
    const listBase: Baseline = { label: `a static HTML page of the same ${SESSIONS} rows and CSS (the app’s own markup, scripts removed), precached and served offline by the same service worker, loaded right after each app load; median ${show(staticScreen)}`, value: median(staticScreen) };
    const coldBase: Baseline = { label: `a static page of the same size as the app’s first load (${(cold.bytes / 1024).toFixed(0)} kB: its welcome screen, the same CSS, the rest hidden text), cold, alternating with the app; median ${show(coldStatic)}`, value: median(coldStatic) };
    const figures: Figure[] = [
      {
        ...info('fcp-cold', `cold load FCP, median of ${RUNS}`, median(coldApp), 'ms', `min ${Math.min(...coldApp).toFixed(0)}, max ${Math.max(...coldApp).toFixed(0)}; first visit, empty cache, unpaired (welcome screen); ratio = median of the per-pair ratios. DESIGN’s budget is ≤ 0.25× HAPI’s cold FCP; HAPI is not run here (no network to fetch it), so the ratio to the static page is shown and not judged`),
        baseline: coldBase,
        ratio: median(coldRatios),
        budget: '≤ 0.25× HAPI’s (not run here)',
      },
      info('requests-cold', 'requests on a cold first load (page, until network idle)', coldRequests, '', 'the service worker’s precache downloads run in the worker and are not counted here'),
      info('fcp-warm', 'warm load FCP (service worker + IndexedDB)', show(warmFcp)),
      info('screen-warm', `warm load: first screen of the list of ${SESSIONS} painted`, show(warmScreen)),
      info('list-warm', `warm load: all ${SESSIONS} rows in the page`, show(warmList)),
      {
        // Judged on the median of the per-pair ratios: each app load and the static load right after it met the same
        // moment of the shared machine's load, which a ratio of two medians would not promise.
        ...holds('screen-offline', `offline load: list of ${SESSIONS} cached sessions painted (first screen), median of ${RUNS}`, Number.isFinite(offlineRatio) ? offlineRatio <= BUDGET_OFFLINE_RATIO : null, median(offlineScreen), 'ms', `≤ ${BUDGET_OFFLINE_RATIO}× baseline`,
          `min ${Math.min(...offlineScreen).toFixed(0)}, max ${Math.max(...offlineScreen).toFixed(0)}; ratio = median of the ${RUNS} per-pair ratios (${pairRatios.map((r) => r.toFixed(2)).join(', ')}); network off, shell from the service worker, rows from IndexedDB; measured from navigation start to the frame after the rows reach the bottom of the viewport (the rest of the ${SESSIONS} rows follow in idle time)`),
        baseline: listBase,
        ratio: offlineRatio,
      },
      info('first-row-offline', 'offline load: first row painted', show(offlineFirst)),
      info('list-offline', `offline load: all ${SESSIONS} rows in the page`, show(offlineList), '', 'from navigation start to the frame after the last row is in the DOM'),
      info('idb-read', `  IndexedDB getAll of ${SESSIONS} sessions (in page, throttled)`, idbRead, 'ms', 'part of the offline list time spent only reading the cache'),
      info('fcp-offline', 'offline load FCP', show(offlineFcp)),
      info('transcript', `${MESSAGES}-message transcript scrollable`, show(transcript), '',
        `online, warm; from navigation start to the frame after the newest message is shown in a scrolling .transcript; the app renders the newest page (${rendered} nodes) and pages older ones in on scroll`),
      {
        ...holds('rich-transcript', `${MESSAGES}-entry rich transcript scrollable (markdown, tool cards, diffs, plans), median of ${RUNS}`, Number.isFinite(richRatio) ? richRatio <= BUDGET_RICH_RATIO : null, median(richTranscript), 'ms', `≤ ${BUDGET_RICH_RATIO}× baseline`,
          `ratio = median of the ${RUNS} per-pair ratios (${richRatios.map((r) => r.toFixed(2)).join(', ')}); each rich load right after a plain one; ${richRendered} nodes rendered; the session route's lazy chunks (markdown, highlighter, diff) load on the way`),
        baseline: { label: `the ${MESSAGES}-message plain transcript above, loaded right before each rich one; median ${show(transcript)}`, value: median(transcript) },
        ratio: richRatio,
      },
    ];
    return {
      title: `PWA paint (Pixel 7 profile, ${CPU_SLOWDOWN}× CPU slowdown, loopback network)`,
      figures,
      meta: { runs: RUNS, offlinePairRatios: pairRatios, coldPairRatios: coldRatios, cold: spread(coldApp), coldStatic: spread(coldStatic), coldStaticBytes: cold.bytes, warmFcp: spread(warmFcp), warmScreen: spread(warmScreen), warmList: spread(warmList), offlineScreen: spread(offlineScreen), staticScreen: spread(staticScreen), offlineList: spread(offlineList), offlineFirst: spread(offlineFirst), idbRead, offlineFcp: spread(offlineFcp), transcript: spread(transcript), richTranscript: spread(richTranscript), richRatios, coldRequests, chromium: browser.version() },
    };
  } finally {
    await browser?.close();
    machine?.close();
    await srv.stop();
    build.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runBench('pwa-paint', pwaPaint);
