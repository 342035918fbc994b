// Strict resume from the phone: "Resume & send" reopens the same vendor session; a failed resume starts nothing new.
import { expect, test } from '@playwright/test';
import { RESUME_FAILURE_TEXT } from '../src/core/resume-attempt.ts';
import { fakeRecord, getSession, messagesOf, pairPhone, setFaults, startSession, stopAndWait, until, world } from './support/world.ts';

test('a resumable session: Resume & send → delivered → answered, in the same vendor session', async ({ page }) => {
  const s = await startSession({ provider: 'claude', title: 'Resume me', message: 'first turn' });
  await stopAndWait(s.id);
  await pairPhone(page);
  await page.goto(`${world().url}/#/s/${s.id}`);
  await expect(page.locator('.topbar .chip')).toHaveText('inactive · resumable');
  await page.getByRole('textbox', { name: 'Message' }).fill('pick it up again');
  await page.getByRole('button', { name: 'Resume & send' }).click();
  const mine = page.locator('.msg-user').filter({ hasText: 'pick it up again' });
  await expect(mine.locator('.state')).toHaveText('answered');
  await expect(page.getByRole('log', { name: 'Transcript' })).toContainText('echo: pick it up again');
  const after = await getSession(s.id);
  expect(after.vendorResumeId).toBe(s.vendorResumeId);
  const record = fakeRecord('claude').filter((r) => r.vendorId === s.vendorResumeId);
  expect(record.map((r) => r.event)).toEqual(['created', 'resumed']);
});

test('a resume failure leaves the message failed with its reason, and no new vendor session', async ({ page }) => {
  const s = await startSession({ provider: 'claude', title: 'Gone on the vendor side', message: 'first turn' });
  await stopAndWait(s.id);
  const createdBefore = fakeRecord('claude').filter((r) => r.event === 'created').length;
  setFaults(['no-load-session', 'unknown-id']);
  try {
    await pairPhone(page);
    await page.goto(`${world().url}/#/s/${s.id}`);
    await page.getByRole('textbox', { name: 'Message' }).fill('are you still there?');
    await page.getByRole('button', { name: 'Resume & send' }).click();
    const mine = page.locator('.msg-user').filter({ hasText: 'are you still there?' });
    await expect(mine.locator('.state')).toHaveText('failed');
    await expect(mine.locator('.failure')).toContainText(RESUME_FAILURE_TEXT['vendor-not-found']);
    await expect(mine.getByRole('button', { name: 'Retry' })).toBeVisible();
    await expect(mine.getByRole('button', { name: 'New session with it…' })).toBeVisible();
    const stored = await until('the failed message on the server', async () => (await messagesOf(s.id)).find((m) => m.text === 'are you still there?' && m.state === 'failed'));
    expect(stored.failure?.code).toBe('vendor-not-found');
    expect(fakeRecord('claude').filter((r) => r.event === 'created')).toHaveLength(createdBefore);
    expect((await getSession(s.id)).status).toBe('inactive');
  } finally {
    setFaults(['no-load-session']);
  }
});
