// Chromium through Playwright's own page (the Pixel 7 project): the reference engine.
import type { Page } from '@playwright/test';
import type { Phone } from './phone.ts';

export function playwrightPhone(page: Page): Phone {
  return {
    engine: 'chromium',
    goto: async (url) => void (await page.goto(url)),
    reload: async () => void (await page.reload()),
    eval: <T,>(expression: string) => page.evaluate(expression) as Promise<T>,
    clickMarked: () => page.locator('[data-e2e-target]').click(),
    typeMarked: (text) => page.locator('[data-e2e-target]').fill(text),
    screenshot: async (path) => void (await page.screenshot({ path })),
    close: async () => {},
  };
}
