// Starting sessions from the phone: from scratch on a machine, and the explicit "new session with this message" of a blocked one.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { api, getSession, machineId, messagesOf, pairPhone, startSession, until, world, route } from './support/world.ts';

test('start a new session from scratch: machine, agent, backend, folder and a first message', async ({ page }) => {
  const cwd = join(world().tmp, `from-phone-${Date.now()}`);
  mkdirSync(cwd, { recursive: true });
  const laptop = await machineId();
  await pairPhone(page);
  await page.getByRole('link', { name: 'New', exact: true }).click();
  const form = page.getByRole('form', { name: 'Start a new session' });
  await expect(form.getByLabel('Machine')).toHaveValue(laptop);
  await form.getByLabel('Agent').selectOption('claude');
  await expect(form.getByLabel('Backend')).toHaveValue('claude-stream');
  await form.getByLabel(/^Folder on laptop/).fill(cwd);
  await form.getByLabel('Title (optional)').fill('Started on the phone');
  await form.getByLabel('First message (optional)').fill('set up the project');
  await form.getByRole('button', { name: 'Start session' }).click();

  await expect(page).toHaveURL(/#\/s\/ses_/);
  const id = decodeURIComponent(/#\/s\/([^?]+)/.exec(page.url())![1]!);
  await expect(page.getByRole('heading', { name: 'Started on the phone' })).toBeVisible();
  await expect(page.getByRole('log', { name: 'Transcript' })).toContainText('echo: set up the project');
  await expect(page.locator('.msg-user').filter({ hasText: 'set up the project' }).locator('.state')).toHaveText('answered');
  await expect(page.locator('.topbar .chip')).toHaveText('live');
  const s = await getSession(id);
  expect(s).toMatchObject({ provider: 'claude', backend: 'claude-stream', cwd, machineId: laptop, title: 'Started on the phone', managed: true });
  // From the machines screen too, with that machine chosen.
  await page.goto(`${world().url}/#/machines`);
  await page.getByRole('link', { name: 'New session on laptop' }).click();
  await expect(page.getByRole('form', { name: 'Start a new session' }).getByLabel('Machine')).toHaveValue(laptop);
  // A backend the settings disable is refused before anything is sent.
  await route('updateSettings', { body: { disabledBackends: ['opencode-serve'] } });
  try {
    await page.reload();
    const again = page.getByRole('form', { name: 'Start a new session' });
    await again.getByLabel('Agent').selectOption('opencode');
    await again.getByLabel(/^Folder on laptop/).fill(cwd);
    await expect(again.getByRole('alert')).toHaveText('This backend is disabled in settings.');
    await expect(again.getByRole('button', { name: 'Start session' })).toBeDisabled();
  } finally {
    await route('updateSettings', { body: { disabledBackends: [] } });
  }
});

test('a blocked session offers, separately and explicitly, a new session with this message and a summary', async ({ page }) => {
  const old = await startSession({ provider: 'claude', title: 'Archived spike', message: 'try the spike' });
  await route('archiveSession', { id: old.id });
  await until('archived', async () => (await getSession(old.id)).archived);
  await pairPhone(page);
  await page.goto(`${world().url}/#/s/${old.id}`);
  await expect(page.getByRole('alert', { name: 'Why this session cannot take a message' })).toHaveAttribute('data-reason', 'archived');
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeDisabled();

  await page.getByText('Start a new session with this message').click();
  await page.getByRole('textbox', { name: 'Message for the new session' }).fill('carry on from the spike');
  await expect(page.getByRole('checkbox', { name: 'Include a summary of this session' })).toBeChecked();
  await page.getByRole('button', { name: 'Start new session' }).click();

  await expect(page).not.toHaveURL(new RegExp(old.id));
  const id = decodeURIComponent(/#\/s\/([^?]+)/.exec(page.url())![1]!);
  await expect(page.getByRole('log', { name: 'Transcript' })).toContainText('echo: [Summary of an earlier session');
  await expect(page.getByRole('log', { name: 'Transcript' })).toContainText('carry on from the spike');
  const first = await until('the new session answered', async () => (await messagesOf(id)).find((m) => m.role === 'user' && m.state === 'answered'));
  expect(first.text).toMatch(/^\[Summary of an earlier session, “Archived spike”/);
  expect(first.text).toContain('User: try the spike');
  expect(first.text.endsWith('carry on from the spike')).toBe(true);
  // The old session is untouched: still archived, nothing new in it, same vendor id; the new one is its own.
  const after = await getSession(old.id);
  expect(after.archived).toBe(true);
  expect(after.vendorResumeId).toBe(old.vendorResumeId);
  expect((await messagesOf(old.id)).some((m) => m.text.includes('carry on'))).toBe(false);
  const fresh = await getSession(id);
  expect(fresh.vendorId).not.toBe(old.vendorId);
  expect(fresh.cwd).toBe(old.cwd);
});
