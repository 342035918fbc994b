// Settings on the phone: paired devices (this one marked, others revocable), backends per provider, the Codex backend, the theme.
import { expect, test } from '@playwright/test';
import type { SettingsRecord } from '../src/core/records.ts';
import { api, getSession, pairPhone, startSession, stopAndWait, until, world, route } from './support/world.ts';

/** Pair another device the way a second phone would, and return its token. */
async function pairAnother(name: string): Promise<{ token: string; deviceId: string }> {
  const { code } = await route('createPairingCode', { body: { kind: 'phone' } });
  const res = await fetch(`${world().url}/api/pair`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, name, kind: 'phone' }) });
  expect(res.status).toBe(201);
  return (await res.json()) as { token: string; deviceId: string };
}
const syncStatus = async (token: string) => (await fetch(`${world().url}/api/sync?since=0`, { headers: { authorization: `Bearer ${token}` } })).status;

test('devices: this phone is marked; another device is revoked from the phone and its token stops working', async ({ page }) => {
  const tablet = await pairAnother(`Old tablet ${Date.now()}`);
  expect(await syncStatus(tablet.token)).toBe(200);
  await pairPhone(page);
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  const list = page.getByRole('list', { name: 'Paired devices' });
  const mine = list.locator('li', { has: page.getByText('this device', { exact: true }) });
  await expect(mine).toHaveCount(1);
  await expect(mine.getByRole('button', { name: /Revoke/ })).toHaveCount(0);
  const row = list.locator(`[data-device-id="${tablet.deviceId}"]`);
  await expect(row).toContainText('Old tablet');
  await row.getByRole('button', { name: /^Revoke Old tablet/ }).click();
  await row.getByRole('group', { name: /Revoke Old tablet .*\?/ }).getByRole('button', { name: /^Revoke Old tablet/ }).click();
  await expect(row).toHaveCount(0);
  expect(await syncStatus(tablet.token)).toBe(401);
  const { devices } = await route('listDevices');
  expect(devices.find((d) => d.id === tablet.deviceId)?.revoked).toBe(true);
  // This phone still works.
  await expect(page.locator('.freshness.live')).toBeVisible();
  await page.reload();
  await expect(list.locator(`[data-device-id="${tablet.deviceId}"]`)).toHaveCount(0);
  await expect(mine).toHaveCount(1);
});

test('backends: disabling one from settings blocks its session (backend-disabled); enabling it again makes it resumable', async ({ page }) => {
  const oc = await startSession({ provider: 'opencode', title: 'OpenCode from settings', message: 'hello opencode' });
  await stopAndWait(oc.id);
  await pairPhone(page);
  try {
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    const toggle = page.getByRole('checkbox', { name: /OpenCode serve/ });
    await expect(toggle).toBeChecked();
    await toggle.uncheck();
    await until('the server has opencode-serve disabled', async () => (await route('getSettings')).disabledBackends.includes('opencode-serve'));
    await page.goto(`${world().url}/#/s/${oc.id}`);
    const banner = page.getByRole('alert', { name: 'Why this session cannot take a message' });
    await expect(banner).toHaveAttribute('data-reason', 'backend-disabled');
    await expect(page.locator('.topbar .chip')).toHaveText('blocked: backend disabled');
    await expect(page.getByRole('textbox', { name: 'Message' })).toBeDisabled();
    expect((await getSession(oc.id)).availability).toMatchObject({ state: 'blocked', reason: 'backend-disabled' });

    await page.getByRole('button', { name: 'Open settings' }).click();
    await page.getByRole('checkbox', { name: /OpenCode serve/ }).check();
    await until('the server has opencode-serve enabled', async () => !(await route('getSettings')).disabledBackends.includes('opencode-serve'));
    await page.goto(`${world().url}/#/s/${oc.id}`);
    await expect(page.locator('.topbar .chip')).toHaveText('inactive · resumable');
    await expect(page.getByRole('button', { name: 'Resume & send' })).toBeVisible();

    // The Codex backend for new sessions.
    await page.goto(`${world().url}/#/settings`);
    await page.getByLabel('New Codex sessions use').selectOption('codex-mcp');
    await until('codex-mcp chosen', async () => (await route('getSettings')).codexBackend === 'codex-mcp');
    await page.getByLabel('New Codex sessions use').selectOption('codex-app-server');
    await until('codex-app-server chosen', async () => (await route('getSettings')).codexBackend === 'codex-app-server');
  } finally {
    await route('updateSettings', { body: { disabledBackends: [], codexBackend: 'codex-app-server' } });
  }
});

test('theme: light, dark or system, kept on this phone across a reload', async ({ page }) => {
  await pairPhone(page);
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  const theme = page.getByRole('group', { name: 'Theme' });
  await theme.getByRole('button', { name: 'Dark' }).click();
  await expect(theme.getByRole('button', { name: 'Dark' })).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByRole('group', { name: 'Theme' }).getByRole('button', { name: 'Light' }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe(dark);
  await page.getByRole('group', { name: 'Theme' }).getByRole('button', { name: 'System' }).click();
  await expect(page.locator('html')).not.toHaveAttribute('data-theme', /.+/);
});
