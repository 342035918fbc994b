// Permission requests end to end: the agent stops for Allow/Deny, the phone says so, and the answer reaches the agent.
import { expect, test } from '@playwright/test';
import { api, getSession, messagesOf, pairPhone, setFaults, startSession, until, world, route } from './support/world.ts';

test('a permission request: shown with Allow/Deny, "waiting for approval"; Allow finishes the turn, Deny is reported back', async ({ page }) => {
  const s = await startSession({ provider: 'claude', title: 'Needs my approval', message: 'hello' });
  setFaults(['no-load-session', 'permission']);
  try {
    await pairPhone(page);
    await page.goto(`${world().url}/#/s/${s.id}`);
    await expect(page.locator('.topbar .chip')).toHaveText('live');
    const transcript = page.getByRole('log', { name: 'Transcript' });

    // Allow
    await page.getByRole('textbox', { name: 'Message' }).fill('list the files');
    await page.getByRole('button', { name: 'Send' }).click();
    const first = page.getByRole('group', { name: 'Permission request: Bash' }).last();
    await expect(first.getByRole('button', { name: 'Allow', exact: true })).toBeVisible();
    await expect(first.getByRole('button', { name: 'Deny' })).toBeVisible();
    await expect(first).toContainText('ls');
    await expect(page.locator('.topbar .chip')).toHaveText('waiting for approval');
    expect((await getSession(s.id)).awaitingPermission).toBe(true);
    const waiting = page.locator('.msg-user').filter({ hasText: 'list the files' });
    await expect(waiting.locator('.state')).toHaveText('delivered');
    // The list says it too.
    await page.getByRole('link', { name: 'Back to sessions' }).click();
    await expect(page.locator(`[data-session-id="${s.id}"] .chip`)).toHaveText('waiting for approval');
    await page.locator(`[data-session-id="${s.id}"]`).click();
    await page.getByRole('group', { name: 'Permission request: Bash' }).last().getByRole('button', { name: 'Allow', exact: true }).click();
    // Which device answered is part of the record, and the phone shows it.
    await expect(page.getByRole('group', { name: 'Permission request: Bash' }).last()).toContainText(/Allowed from “.+”/);
    await expect(transcript).toContainText('allowed: ls');
    await expect(transcript).toContainText('echo: list the files');
    await expect(page.locator('.msg-user').filter({ hasText: 'list the files' }).locator('.state')).toHaveText('answered');
    await expect(page.locator('.topbar .chip')).toHaveText('live');

    // Deny
    await page.getByRole('textbox', { name: 'Message' }).fill('delete nothing');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect(page.locator('.topbar .chip')).toHaveText('waiting for approval');
    const second = page.getByRole('group', { name: 'Permission request: Bash' }).last();
    await expect(second.getByRole('button', { name: 'Deny' })).toBeVisible();
    await second.getByRole('button', { name: 'Deny' }).click();
    await expect(second).toContainText('Denied');
    await expect(transcript).toContainText('denied: ls');
    await expect(page.locator('.msg-user').filter({ hasText: 'delete nothing' }).locator('.state')).toHaveText('answered');
    await expect(page.locator('.topbar .chip')).toHaveText('live');

    // The server holds both decisions; the agent saw each one (its reply says which).
    const perms = await until('both permission decisions stored', async () => {
      const p = (await messagesOf(s.id)).filter((m) => m.role === 'permission');
      return p.length === 2 && p.every((m) => m.permission?.decision) ? p : undefined;
    });
    expect(perms.map((m) => m.permission!.decision)).toEqual(['allow', 'deny']);
    const phones = (await route('listDevices')).devices.filter((d) => d.kind === 'phone');
    for (const m of perms) expect(phones.map((d) => ({ deviceId: d.id, name: d.name }))).toContainEqual(m.permission!.answeredBy);
    expect((await getSession(s.id)).awaitingPermission).toBe(false);
  } finally {
    setFaults(['no-load-session']);
  }
});
