// Every reason a session cannot take a message shows its sentence and its fix; the composer is disabled, except for an
// offline machine, the one block that clears by itself (a message then waits for the machine).
import { expect, test, type Page } from '@playwright/test';
import { describeBlock } from '../src/core/availability.ts';
import { api, DIRECT_SESSION, getSession, pairPhone, startSecondMachine, startSession, stopAndWait, until, world, route } from './support/world.ts';
import type { SessionRecord } from '../src/core/records.ts';

async function expectBlocked(page: Page, id: string, reason: string): Promise<void> {
  const s = await until(`${id} blocked by ${reason}`, async () => {
    const x = await getSession(id);
    return x.availability.state === 'blocked' && x.availability.reason === reason ? x : undefined;
  });
  if (s.availability.state !== 'blocked') throw new Error('unreachable');
  await page.goto(`${world().url}/#/s/${encodeURIComponent(id)}`);
  const banner = page.getByRole('alert', { name: 'Why this session cannot take a message' });
  await expect(banner).toHaveAttribute('data-reason', reason);
  // Machine-offline names the last-seen time, whose wording the phone chooses; the rest is the core sentence verbatim.
  const expected = describeBlock(s.availability.reason, s.availability.detail).sentence;
  if (reason === 'machine-offline') await expect(banner).toContainText(expected.replace(/\.$/, '').replace(/ is not connected$/, ''));
  else await expect(banner).toContainText(expected);
  if (reason === 'machine-offline') {
    await expect(page.getByRole('textbox', { name: 'Message' })).toBeEnabled();
    await expect(page.locator('#composer-hint')).toContainText('is offline: your message waits for it');
    return;
  }
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeDisabled();
  await expect(page.getByRole('button', { name: /send/i })).toBeDisabled();
}

test('each blocked reason shows its sentence; the composer is disabled except for an offline machine', async ({ page }) => {
  test.setTimeout(120_000);
  // archived
  const archived = await startSession({ provider: 'claude', title: 'Old spike', message: 'try the spike' });
  await route('archiveSession', { id: archived.id });
  // missing-resume-id: stopped before its first turn
  const noId = await stopAndWait((await startSession({ provider: 'claude', title: 'Never answered' })).id);
  // backend-disabled
  const oc = await startSession({ provider: 'opencode', title: 'OpenCode work', message: 'hello opencode' });
  await stopAndWait(oc.id);
  await route('updateSettings', { body: { disabledBackends: ['opencode-serve'] } });
  // dependency-missing: the gemini fake does not advertise loadSession (set in global setup)
  const gem = await startSession({ provider: 'gemini', title: 'Gemini work', message: 'hello gemini' });
  await stopAndWait(gem.id);
  // backend-unsupported: codex over MCP cannot reopen a session
  const mcp = await startSession({ provider: 'codex', backend: 'codex-mcp', title: 'Codex MCP work', message: 'hello codex' });
  await stopAndWait(mcp.id);
  // machine-offline: a second machine that goes away
  const devbox = await startSecondMachine('devbox');
  const remote = await startSession({ provider: 'claude', title: 'On the dev box', message: 'hello devbox', machine: 'devbox' });
  devbox.kill('SIGKILL');
  // not-managed: found in Claude Code's own store on the laptop
  const direct = await until('the direct session listed', async () => {
    const { sessions } = await route('sync', { query: { since: 0 } });
    return sessions.find((s) => !s.managed && s.vendorResumeId === DIRECT_SESSION.vendorId);
  });

  await pairPhone(page);
  await expectBlocked(page, archived.id, 'archived');
  await page.screenshot({ path: 'docs/screenshots/session-blocked.png' });
  await expect(page.getByRole('button', { name: 'Unarchive' })).toBeVisible();
  await expectBlocked(page, noId.id, 'missing-resume-id');
  await expect(page.getByText('Start a new session with this message')).toBeVisible();
  await expectBlocked(page, oc.id, 'backend-disabled');
  await expect(page.getByRole('button', { name: 'Enable opencode-serve' })).toBeVisible();
  await expectBlocked(page, gem.id, 'dependency-missing');
  // A backend that can never reopen a session says so before the resume id it lacks (src/core/availability.ts).
  await expectBlocked(page, mcp.id, 'backend-unsupported');
  await expectBlocked(page, remote.id, 'machine-offline');
  // Paired already: the daemon remembers its server (a --server with the phone's URL could name another one).
  await expect(page.locator('.copy-command code', { hasText: /^baton daemon$/ })).toBeVisible();
  await expectBlocked(page, direct.id, 'not-managed');
  await expect(page.getByRole('button', { name: 'Take over' })).toBeVisible();

  await route('updateSettings', { body: { disabledBackends: [] } });
  // The list says it too.
  await page.goto(`${world().url}/#/`);
  await expect(page.locator(`[data-session-id="${archived.id}"]`)).toHaveCount(0);
  await page.getByRole('button', { name: 'Archived' }).click();
  await expect(page.locator(`[data-session-id="${archived.id}"] .chip`)).toHaveText('blocked: archived');
});
