// A direct session (started in Claude Code, not by Baton) can be read from the phone before taking it over:
// its history comes from the vendor's own store on its machine, read-only, a page at a time; the banner
// offers only fixes that work for it (take over, read, the CLI command that opens it on its machine).
import { expect, test } from '@playwright/test';
import type { SessionRecord } from '../src/core/records.ts';
import { api, DIRECT_HISTORY, pairPhone, until, world, route } from './support/world.ts';

test('the phone reads a direct session’s history in pages, then takes it over', async ({ page }) => {
  test.setTimeout(60_000);
  const direct = await until('the long direct session listed by the laptop', async () => {
    const { sessions, machines } = await route('sync', { query: { since: 0 } });
    // Other specs run more daemons on the same vendor stores (another machine lists it too): the laptop's copy.
    const laptop = machines.find((m) => m.name === 'laptop')?.id;
    return sessions.find((s) => !s.managed && s.vendorResumeId === DIRECT_HISTORY.vendorId && s.machineId === laptop);
  });
  await pairPhone(page);
  await page.goto(`${world().url}/#/s/${encodeURIComponent(direct.id)}`);
  const banner = page.getByRole('alert', { name: 'Why this session cannot take a message' });
  await expect(banner).toHaveAttribute('data-reason', 'not-managed');
  // Not `baton attach` (Baton does not manage it): the vendor's own command, in its folder.
  await expect(banner.getByText(`cd '${DIRECT_HISTORY.cwd}' && claude --resume '${DIRECT_HISTORY.vendorId}'`)).toBeVisible();
  await expect(banner.getByText(/baton attach/)).toHaveCount(0);

  await banner.getByRole('link', { name: 'Read its history' }).click();
  const history = page.getByRole('region', { name: 'Vendor history' });
  // The newest page: the last answer, not the first question (105 entries: question, tool, answer; 30 a page).
  const said = (text: string) => history.getByText(new RegExp(`^(You: |Agent: )?${text}$`));
  await expect(said(`answer ${DIRECT_HISTORY.turns}`)).toBeVisible();
  await expect(said('question 1')).toHaveCount(0);
  await expect(history.locator('.msg-tool', { hasText: `src/file-${DIRECT_HISTORY.turns}.ts` })).toContainText('Read');
  await expect(page.getByText('read-only')).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Message' })).toHaveCount(0);
  for (let i = 0; i < 3; i++) await history.getByRole('button', { name: 'Load older' }).click();
  await expect(said('question 1')).toBeVisible();
  await expect(history.getByRole('button', { name: 'Load older' })).toHaveCount(0);
  await page.screenshot({ path: 'docs/screenshots/direct-history.png' });

  await page.getByRole('button', { name: 'Take over' }).click();
  await until('the session to be managed', async () => {
    const { session } = await route('getSession', { id: direct.id });
    return session.managed ? session : undefined;
  });
  await expect(page).toHaveURL(new RegExp(`#/s/${direct.id}$`));
});
