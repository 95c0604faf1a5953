// Tests the console page in headless Chromium: it drives a real Express app's gated route through the mock.
import { createAccessGate, requireAccess } from '@licenzy-gate/express';
import express from 'express';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMockLicenzy, type MockLicenzy } from '../src/index.js';

// Debian's package; LICENZY_CHROMIUM_PATH only exists to try the "missing browser" paths below.
const CHROMIUM = process.env.LICENZY_CHROMIUM_PATH ?? '/usr/bin/chromium';
// The network is closed: without these Chromium keeps trying to reach Google's hosts.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const available = existsSync(CHROMIUM);
const required = process.env.LICENZY_REQUIRE_SERVERS === '1';
if (!available && !required) console.warn(`skipping the console browser test: ${CHROMIUM} not found (apt-get install chromium)`);

describe('console page in a browser', () => {
  it.runIf(!available && required)('needs Chromium', () => {
    throw new Error(`${CHROMIUM} not found, and LICENZY_REQUIRE_SERVERS=1 requires the browser test: apt-get install chromium`);
  });

  describe.runIf(available)('with Chromium', () => {
    let mock: MockLicenzy;
    let server: Server;
    let appUrl: string;
    let context: BrowserContext;
    let page: Page;
    let userDataDir: string;
    const foreignRequests: string[] = [];
    const pageErrors: string[] = [];

    beforeAll(async () => {
      mock = await createMockLicenzy();
      // Zero TTLs (answers and failures) and no retries: each request asks the mock once, so the route follows
      // the console at once and no test has to wait for a cache entry to expire.
      const gate = createAccessGate({
        apiKey: mock.testKey,
        baseUrl: mock.url,
        cache: { ttl: 0, deniedTtl: 0, errorTtl: 0 },
        circuitBreaker: false,
        retries: 0,
      });
      const app = express();
      app.get('/pro/report', requireAccess({ gate, subject: (req) => req.get('x-user') }), (req, res) => {
        res.json({ report: 'for paying users', subject: req.licenzy?.subjectRef });
      });
      server = await new Promise<Server>((resolve) => {
        const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
      });
      appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

      userDataDir = mkdtempSync(join(tmpdir(), 'licenzy-console-'));
      context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
      context.setDefaultTimeout(10_000);
      page = context.pages()[0] ?? (await context.newPage());
      page.on('request', (req) => {
        if (!req.url().startsWith(`${mock.url}/`)) foreignRequests.push(req.url());
      });
      page.on('console', (message) => {
        if (message.type() === 'error') pageErrors.push(message.text());
      });
      page.on('pageerror', (error) => pageErrors.push(error.message));
    }, 60_000);

    afterAll(async () => {
      await context?.close();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      await mock?.close();
      if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    });

    const routeStatus = async (user: string) => {
      const res = await fetch(`${appUrl}/pro/report`, { headers: { 'x-user': user } });
      await res.arrayBuffer();
      return res.status;
    };
    const logLine = (subject: string, decision: string) => page.locator('#log li').filter({ hasText: subject }).filter({ hasText: decision });

    it('grant from the page turns the route 403 → 200; "Down" turns it 503; the log shows each decision', async () => {
      await page.goto(mock.consoleUrl);
      await page.getByText('log: live').waitFor();

      expect(await routeStatus('user_1')).toBe(403);
      await logLine('user_1', 'denied').first().waitFor();

      await page.getByRole('textbox', { name: 'Subject' }).fill('user_1');
      await page.getByRole('button', { name: 'Grant', exact: true }).click();
      await page.locator('#subjects tr').filter({ hasText: 'user_1' }).filter({ hasText: 'allowed' }).waitFor();
      expect(mock.entitlements('user_1')).toEqual([expect.objectContaining({ kind: 'subscription', status: 'active' })]);
      expect(await routeStatus('user_1')).toBe(200);
      await logLine('user_1', 'allowed').first().waitFor();

      await page.getByRole('button', { name: 'Down (503)' }).click();
      await page.locator('#outages button[aria-pressed="true"]', { hasText: 'Down (503)' }).waitFor();
      expect(await routeStatus('user_1')).toBe(503);
      await logLine('user_1', 'error 503').first().waitFor();

      await page.getByRole('button', { name: 'Back to normal' }).click();
      await page.getByText('No faults: Licenzy answers normally.').waitFor();
      expect(await routeStatus('user_1')).toBe(200);

      // Refund from the row's own button: the subscription turns past_due and the route 403 again.
      await page.getByRole('button', { name: 'Refund user_1 (test)' }).click();
      await page.locator('#subjects tr').filter({ hasText: 'user_1' }).filter({ hasText: 'denied' }).waitFor();
      expect(await routeStatus('user_1')).toBe(403);
      expect(foreignRequests).toEqual([]);
      expect(pageErrors).toEqual([]);
    }, 60_000);

    it('renders a hostile subject as text, and works from the keyboard alone', async () => {
      const hostile = '<img src=x onerror="window.__xss=1">';
      await page.goto(mock.consoleUrl);
      await page.getByRole('textbox', { name: 'Subject' }).focus();
      await page.keyboard.type(hostile);
      await page.keyboard.press('Enter'); // submits the form: no mouse needed
      const cell = page.locator('#subjects td.subject').filter({ hasText: hostile });
      await cell.waitFor();
      expect(await cell.textContent()).toBe(hostile);
      expect(await page.locator('#subjects img').count()).toBe(0);
      expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined();
      expect(mock.entitlements(hostile)).toHaveLength(1);

      // Its buttons are real buttons, reachable with Tab and pressed with Enter.
      const revoke = page.getByRole('button', { name: `Revoke ${hostile} (test)` });
      await revoke.focus();
      await page.keyboard.press('Enter');
      await cell.waitFor({ state: 'detached' });
      expect(mock.entitlements(hostile)).toEqual([]);
      expect(pageErrors).toEqual([]);
    }, 60_000);

    it('regression (issue 22): shows calls made before the page opened, and lists a subject seen only in a check', async () => {
      await page.goto('about:blank');
      expect(await routeStatus('user_free')).toBe(403); // no entitlement: Licenzy answers denied
      await page.goto(mock.consoleUrl);
      await logLine('user_free', 'denied').first().waitFor();
      const row = page.locator('#subjects tr').filter({ hasText: 'user_free' });
      await row.filter({ hasText: 'none (last seen in a call at' }).waitFor();
      // A subject first seen while the page is open is listed too, without a reload.
      expect(await routeStatus('user_walk_in')).toBe(403);
      await page.locator('#subjects tr').filter({ hasText: 'user_walk_in' }).filter({ hasText: 'denied' }).waitFor();
      // Its row offers a grant; the reloaded log does not repeat a call.
      await page.getByRole('button', { name: 'Grant user_free (test)' }).click();
      await row.filter({ hasText: 'subscription' }).waitFor();
      expect(await routeStatus('user_free')).toBe(200);
      await page.reload();
      await logLine('user_free', 'allowed').first().waitFor();
      const seqs = await page.locator('#log li').count();
      expect(seqs).toBe(mock.requests.filter((entry) => entry.path.startsWith('/v1/')).length);
      expect(pageErrors).toEqual([]);
    }, 60_000);

    it('regression (issue 22): "Add 100 units" tops up the spent pack (one row) and says so', async () => {
      const pack = mock.grant('user_credits', { kind: 'usage_pack', usageRemaining: 1 });
      mock.refund('user_credits'); // spent: 0 units left
      await page.goto(mock.consoleUrl);
      await page.getByRole('button', { name: 'Add 100 units user_credits (test)' }).click();
      await page.getByText(`topped up user_credits (test) usage pack ${pack.id} to 100 units`).waitFor();
      await page.locator('#subjects tr').filter({ hasText: 'user_credits' }).filter({ hasText: '100 units' }).waitFor();
      expect(mock.entitlements('user_credits')).toEqual([expect.objectContaining({ id: pack.id, usageRemaining: 100 })]);
      expect(await page.locator('#subjects tr').filter({ hasText: 'user_credits' }).locator('li').count()).toBe(1);
    }, 60_000);

    it('regression (issue 22): at 360 px wide nothing overflows the viewport (narrow screenshot)', async () => {
      mock.grant('user_weekend', { kind: 'time_pass', expiresAt: Date.now() + 3_600_000 });
      mock.grant(`user_${'long'.repeat(40)}`, undefined, { mode: 'live' });
      expect(await routeStatus('user_weekend')).toBe(200);
      await page.setViewportSize({ width: 360, height: 900 });
      try {
        await page.goto(mock.consoleUrl);
        await page.locator('#subjects tr').filter({ hasText: 'user_weekend' }).waitFor();
        await logLine('user_weekend', 'allowed').first().waitFor();
        await page.screenshot({ path: process.env.LICENZY_CONSOLE_SHOT ?? join(userDataDir, 'console-360.png'), fullPage: true });
        const layout = await page.evaluate(() => {
          // The test's TypeScript has no DOM library: the few browser names used here, typed by hand.
          interface Box { left: number; right: number; width: number }
          interface Node { tagName: string; id: string; className: string; getBoundingClientRect(): Box }
          const browser = globalThis as unknown as {
            innerWidth: number;
            document: { documentElement: { scrollWidth: number }; querySelectorAll(selector: string): ArrayLike<Node> };
          };
          const width = browser.innerWidth;
          const outside = Array.from(browser.document.querySelectorAll('body *'))
            .map((node) => ({ node, box: node.getBoundingClientRect() }))
            .filter(({ box }) => box.width > 0 && (box.left < -0.5 || box.right > width + 0.5))
            .map(({ node }) => `${node.tagName.toLowerCase()}${node.id ? `#${node.id}` : ''}.${node.className}`);
          const sections = browser.document.querySelectorAll('section').length;
          return { width, scrollWidth: browser.document.documentElement.scrollWidth, outside, sections };
        });
        expect(layout.width).toBe(360);
        expect(layout.scrollWidth).toBeLessThanOrEqual(layout.width);
        expect(layout.outside).toEqual([]);
        expect(layout.sections).toBe(4);
      } finally {
        await page.setViewportSize({ width: 1280, height: 900 });
      }
    }, 60_000);
  });
});
