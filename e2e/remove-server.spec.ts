// "Remove server" revokes the phone's token on that server before forgetting it, and says so.
// Regression: the app forgot the token on the phone and left it working on the server.
import { expect, test } from '@playwright/test';
import { api, pairPhone, until, world, route } from './support/world.ts';

type Device = { id: string; kind: string; revoked: boolean };

test('removing a server revokes this phone’s token there', async ({ page }) => {
  const before = new Set((await route('listDevices')).devices.map((d) => d.id));
  await pairPhone(page);
  const mine = await until('the phone’s device', async () => (await route('listDevices')).devices.find((d) => !before.has(d.id)));
  expect(mine).toMatchObject({ kind: 'phone', revoked: false });

  await page.goto(`${world().url}/#/servers`);
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Its token was revoked on the server.' })).toBeVisible();
  const after = (await route('listDevices')).devices.find((d) => d.id === mine.id);
  expect(after).toMatchObject({ revoked: true });
});
