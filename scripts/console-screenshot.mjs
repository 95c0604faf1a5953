// `node scripts/console-screenshot.mjs`: regenerates docs/console.png, the mock's console with a few subjects and a live log.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { buildStale } from './build-stale.mjs';

const root = join(import.meta.dirname, '..');
const CHROMIUM = '/usr/bin/chromium';
const OUT = join(root, 'docs/console.png');

if (!existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} not found: apt-get install chromium`);
  process.exit(1);
}
if (!buildStale()) process.exit(1);
const { createMockLicenzy } = await import(join(root, 'packages/mock/dist/esm/index.js'));

const mock = await createMockLicenzy();
const userDataDir = mkdtempSync(join(tmpdir(), 'licenzy-console-shot-'));
let context;
try {
  mock.grant('user_paid');
  mock.grant('user_weekend', { kind: 'time_pass', expiresAt: Date.now() + 48 * 3_600_000 });
  mock.grant('user_credits', { kind: 'usage_pack', usageRemaining: 250 });
  mock.grant('user_refunded');
  mock.refund('user_refunded');
  mock.grant('user_live', undefined, { mode: 'live' });

  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(mock.consoleUrl);
  await page.getByText('log: live').waitFor();

  // A little traffic, as an app would send it, so the live log has something to show.
  const call = (path, body, extra = {}) =>
    fetch(`${mock.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${mock.testKey}`, 'content-type': 'application/json', ...extra },
      body: JSON.stringify(body),
    }).then((res) => res.arrayBuffer());
  await call('/v1/access/check', { subject_ref: 'user_paid' });
  await call('/v1/access/check', { subject_ref: 'user_free' });
  await call('/v1/usage/consume', { subject_ref: 'user_credits', units: 10 }, { 'idempotency-key': 'report-1' });
  await call('/v1/access/check', { subject_ref: 'user_refunded' });
  mock.fault({ type: 'status', status: 503 }, { times: 1 });
  await call('/v1/access/check', { subject_ref: 'user_paid' });
  await call('/v1/access/check', { subject_ref: 'user_weekend' });
  await page.locator('#log li').nth(5).waitFor();
  await page.locator('#subjects tr').filter({ hasText: 'user_credits' }).filter({ hasText: '240 units' }).waitFor();

  await page.screenshot({ path: OUT, fullPage: true });
  console.log(`wrote ${OUT}`);
} finally {
  await context?.close();
  await mock.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
