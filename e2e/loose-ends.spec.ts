// What a first real use turned up (issue 12, item 7): share links listed and revocable in the app; "start a new
// session with this message" on a chosen machine, the two sessions linked both ways; a revoked phone told so, not
// "offline".
import { expect, test } from '@playwright/test';
import { api, getSession, pairPhone, setFaults, startSession, until, world, route } from './support/world.ts';

test('share links: listed in the sheet and revoked from it', async ({ page }) => {
  const s = await startSession({ provider: 'claude', title: 'Shared twice', message: 'hello' });
  await pairPhone(page);
  await page.goto(`${world().url}/#/s/${s.id}`);
  await page.getByRole('button', { name: 'Share' }).click();
  const sheet = page.getByRole('dialog', { name: 'Share a read-only link' });
  await sheet.getByRole('button', { name: 'Create link' }).click();
  const url = await sheet.getByRole('textbox', { name: 'Share link' }).inputValue();
  expect(url).toContain(`?server=${encodeURIComponent(world().url)}`);
  const links = sheet.getByRole('list', { name: 'Share links' });
  await expect(links.getByRole('listitem')).toHaveCount(1);
  const token = new URL(url).hash.slice(1);
  const read = () => fetch(`${world().url}/api/shared`, { headers: { authorization: `Bearer ${token}` } });
  expect((await read()).status).toBe(200);
  await links.getByRole('button', { name: 'Revoke' }).click();
  await expect(links).toHaveCount(0);
  expect((await read()).status).toBe(404);
});

test('a message the agent did not answer starts a new session on a chosen machine; each session links to the other', async ({ page }) => {
  const s = await startSession({ provider: 'claude', title: 'Old work', message: 'hello' });
  setFaults(['no-load-session', 'slow-turn']);
  try {
    await pairPhone(page);
    await page.goto(`${world().url}/#/s/${s.id}`);
    await page.getByRole('textbox', { name: 'Message' }).fill('carry this over');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.turn-bar').getByRole('button', { name: 'Interrupt' }).click();
    const mine = page.locator('.msg-user').filter({ hasText: 'carry this over' });
    await expect(mine.locator('.state')).toHaveText('unanswered');
  } finally {
    setFaults(['no-load-session']);
  }
  await page.locator('.msg-user').filter({ hasText: 'carry this over' }).getByRole('button', { name: 'New session with it…' }).click();
  const box = page.locator('.new-session');
  await expect(box.getByRole('combobox', { name: 'Machine' })).toHaveValue(s.machineId);
  await expect(box.getByRole('textbox', { name: 'Folder' })).toHaveValue(s.cwd);
  await box.getByRole('button', { name: 'Start new session' }).click();
  await expect(page.locator('.continuation')).toContainText('Continued from Old work');
  await expect(page.getByRole('log', { name: 'Transcript' })).toContainText('carry this over');
  const newId = decodeURIComponent(new URL(page.url()).hash.split('/s/')[1]!.split('?')[0]!);
  expect(newId).not.toBe(s.id);
  await page.locator('.continuation').getByRole('link', { name: 'Old work' }).click();
  await expect(page.locator('.continuation')).toContainText('Continued in');
  await page.locator('.continuation').getByRole('link').click();
  await expect(page).toHaveURL(new RegExp(`/s/${newId}`));
  expect((await getSession(newId)).title).toContain('Old work');
});

test('a revoked phone is told it was signed out, not that it is offline', async ({ page }) => {
  await pairPhone(page);
  await expect(page.locator('.freshness.live')).toBeVisible();
  const { devices } = await route('listDevices');
  const phone = devices.filter((d) => d.kind === 'phone' && !d.revoked).sort((a, b) => b.createdAt - a.createdAt)[0]!;
  await route('revokeDevice', { id: phone.id });
  const note = page.locator('.freshness.revoked');
  await expect(note).toContainText('This phone was signed out by its server');
  await expect(note.getByRole('link', { name: 'Pair again' })).toBeVisible();
  await expect(page.locator('.freshness.stale')).toHaveCount(0);
  await until('still revoked a moment later', async () => (await note.count()) === 1);
});
