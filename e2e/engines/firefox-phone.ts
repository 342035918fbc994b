// Firefox ESR (Debian's firefox-esr) over WebDriver BiDi with puppeteer-core 24 (25 needs Node 22).
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { Phone } from './phone.ts';

export const FIREFOX = '/usr/bin/firefox-esr';

/** One Firefox per engine run; each phone is a user context in it (its own service workers, IndexedDB and cache). */
export function launchFirefox(): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    protocol: 'webDriverBiDi',
    // setViewport also sends a screen-orientation override Firefox 140 does not know; the window is sized below.
    defaultViewport: null,
    extraPrefsFirefox: { 'browser.sessionstore.resume_from_crash': false, 'dom.serviceWorkers.testing.enabled': true },
  });
}

export async function firefoxPhone(browser: Browser): Promise<Phone> {
  const context = await browser.createBrowserContext();
  const page: Page = await context.newPage();
  // The Pixel 7's CSS viewport, through BiDi's browsingContext.setViewport (what page.setViewport sends first).
  await (page.mainFrame() as unknown as { browsingContext: { setViewport(o: unknown): Promise<void> } }).browsingContext.setViewport({ viewport: { width: 412, height: 915 }, devicePixelRatio: 1 });
  return {
    engine: 'firefox',
    goto: async (url) => void (await page.goto(url, { waitUntil: 'load' })),
    reload: async () => void (await page.reload({ waitUntil: 'load' })),
    eval: <T,>(expression: string) => page.evaluate(expression) as Promise<T>,
    clickMarked: async () => {
      const el = await page.waitForSelector('[data-e2e-target]');
      await el!.click();
    },
    typeMarked: async (text) => {
      const el = await page.waitForSelector('[data-e2e-target]');
      await el!.type(text);
    },
    screenshot: async (path) => void (await page.screenshot({ path })),
    close: () => context.close(),
  };
}
