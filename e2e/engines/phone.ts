// One phone, any engine: the few things the core-flow specs do, over Playwright (Chromium), WebDriver BiDi (Firefox) or WebDriver (WebKit).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type Engine = 'chromium' | 'firefox' | 'webkit';

export interface Phone {
  readonly engine: Engine;
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  /** Evaluates a JavaScript expression (or an async IIFE) in the page and returns its JSON value. */
  eval<T = unknown>(expression: string): Promise<T>;
  /** A real click (the engine's input, not `el.click()`) on the element the page marked `data-e2e-target`. */
  clickMarked(): Promise<void>;
  /** Types into the marked element as a user would (input events fire). */
  typeMarked(text: string): Promise<void>;
  /** A PNG of the viewport. */
  screenshot(path: string): Promise<void>;
  close(): Promise<void>;
}

/** Marks the first element matching `selector` whose text contains `text` (if given); false when there is none yet. */
const markScript = (selector: string, text?: string) => `(() => {
  document.querySelectorAll('[data-e2e-target]').forEach((e) => e.removeAttribute('data-e2e-target'));
  const el = [...document.querySelectorAll(${JSON.stringify(selector)})].find((e) =>
    ${text === undefined ? 'true' : `(e.textContent || '').includes(${JSON.stringify(text)})`} && !e.disabled && e.getClientRects().length > 0);
  if (!el) return false;
  el.setAttribute('data-e2e-target', '1');
  el.scrollIntoView({ block: 'center' });
  return true;
})()`;

/** Polls `expression` in the page until it is truthy; fails naming `what` and the last value. */
export async function waitIn<T = unknown>(phone: Phone, what: string, expression: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await phone.eval(expression);
      if (last) return last as T;
    } catch (e) {
      // A navigation in flight replaces the page under the script: try again.
      last = e instanceof Error ? e.message : e;
    }
    if (Date.now() > end) throw new Error(`${phone.engine}: timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function click(phone: Phone, selector: string, text?: string): Promise<void> {
  await waitIn(phone, `${selector}${text ? ` “${text}”` : ''} to click`, markScript(selector, text));
  await phone.clickMarked();
}

export async function type(phone: Phone, selector: string, text: string): Promise<void> {
  await waitIn(phone, `${selector} to type into`, markScript(selector));
  await phone.typeMarked(text);
}

/** The text of the first element matching `selector` ('' when none). */
export const textOf = (phone: Phone, selector: string) =>
  phone.eval<string>(`(document.querySelector(${JSON.stringify(selector)})?.textContent ?? '')`);

/** Waits until some element matching `selector` contains `text` (a RegExp source when `regex`). */
export function waitForText(phone: Phone, selector: string, text: string | RegExp, timeoutMs?: number): Promise<unknown> {
  const test = typeof text === 'string' ? `t.includes(${JSON.stringify(text)})` : `new RegExp(${JSON.stringify(text.source)}).test(t)`;
  return waitIn(phone, `${selector} to show ${String(text)}`, `[...document.querySelectorAll(${JSON.stringify(selector)})].some((e) => { const t = e.textContent || ''; return ${test}; })`, timeoutMs);
}

export async function shoot(phone: Phone, path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await phone.screenshot(path);
}
