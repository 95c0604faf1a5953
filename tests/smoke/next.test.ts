// SLOW (about 30 s alone, a few minutes on a loaded 2-core machine): examples/next is built with `next build` and served
// with `next start`, then asked over real HTTP, against the local Licenzy: the gated route handler, the status route and
// the server action (submitted as the page's form, the way a browser without JavaScript posts it). It runs in CI.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { useLocalLicenzy } from '@licenzy-gate/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const exampleDir = fileURLToPath(new URL('../../examples/next/', import.meta.url));
const nextBin = fileURLToPath(new URL('../../node_modules/next/dist/bin/next', import.meta.url));
// `next build` on two shared cores, typecheck included, took up to ~40 s alone; CI runs other suites beside it.
const BUILD_TIMEOUT = 360_000;
const START_TIMEOUT = 90_000;

const licenzy = useLocalLicenzy({ hooks: { beforeAll, afterAll, afterEach } });
let server: ChildProcess | undefined;
let url = '';

/** The environment of a Next child: production mode (vitest sets NODE_ENV=test), no telemetry, no inherited Licenzy key. */
function nextEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', ...extra };
  if (extra.LICENZY_API_KEY === undefined) delete env.LICENZY_API_KEY;
  if (extra.LICENZY_API_URL === undefined) delete env.LICENZY_API_URL;
  return env;
}

/** Runs a node script in the example (the local install, then `next build`); rejects with its output if it fails. */
function runInExample(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: exampleDir, env: nextEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited with ${code}:\n${output.slice(-4000)}`))));
  });
}

/** Starts `next start` on a free port of 127.0.0.1 against the local Licenzy; resolves with its URL once it is ready. */
function nextStart(): Promise<string> {
  return new Promise((resolve, reject) => {
    const env = nextEnv({ LICENZY_API_URL: licenzy.mock.url, LICENZY_API_KEY: licenzy.mock.testKey });
    const child = spawn(process.execPath, [nextBin, 'start', '-p', '0', '-H', '127.0.0.1'], { cwd: exampleDir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    server = child;
    let output = '';
    const listen = (chunk: string) => {
      output += chunk;
      const local = /Local:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (local?.[1] && /Ready in/.test(output)) resolve(local[1]);
    };
    child.stdout.setEncoding('utf8').on('data', listen);
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`next start exited with ${code}:\n${output.slice(-4000)}`)));
  });
}

/** Stops `next start` and whatever it spawned (its process group), and waits for it to exit. */
async function stopServer(): Promise<void> {
  const child = server;
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGTERM');
  await exited;
}

const SESSION = { paid: 'demo-session-paid', paid2: 'demo-session-paid-2', free: 'demo-session-free', outage: 'demo-session-outage' } as const;
const cookie = (who: keyof typeof SESSION) => ({ cookie: `demo_session=${SESSION[who]}` });

/** Decodes the HTML entities React writes in attribute values. */
function unescapeHtml(text: string): string {
  return text.replace(/&(quot|amp|lt|gt|#x27|#39);/g, (_, name: string) => ({ quot: '"', amp: '&', lt: '<', gt: '>', '#x27': "'", '#39': "'" })[name] ?? '');
}

/**
 * Submits the export form of the page as a browser without JavaScript does: GET the page with the session cookie, post
 * the form's hidden fields (React's reference to the exportReport action) back to the page as multipart/form-data.
 * Next.js runs the action and answers the page rendered again with its result. Returns that HTML.
 */
async function submitExportForm(who: keyof typeof SESSION): Promise<{ status: number; html: string }> {
  const page = await fetch(`${url}/`, { headers: cookie(who) });
  expect(page.status).toBe(200);
  const forms = [...(await page.text()).matchAll(/<form\b[^>]*>([\s\S]*?)<\/form>/g)].map((match) => match[1] ?? '');
  const exportForm = forms.find((form) => form.includes('Export the report'));
  expect(exportForm, 'the page has the export form').toBeDefined();
  const body = new FormData();
  for (const [input] of (exportForm ?? '').matchAll(/<input\b[^>]*>/g)) {
    const attributes = Object.fromEntries([...input.matchAll(/([\w$:-]+)="([^"]*)"/g)].map((match) => [match[1], unescapeHtml(match[2] ?? '')]));
    if (attributes.type === 'hidden' && attributes.name) body.append(attributes.name, attributes.value ?? '');
  }
  expect([...body.keys()].some((name) => name.startsWith('$ACTION_')), 'the form carries a server action reference').toBe(true);
  const response = await fetch(`${url}/`, { method: 'POST', body, headers: { ...cookie(who), origin: url } });
  return { status: response.status, html: await response.text() };
}

/** The export result the page shows: its outcome attribute and text, or undefined when it shows none. */
function exportResult(html: string): { outcome: string; text: string } | undefined {
  const match = /<p id="export-result" data-outcome="([^"]+)"[^>]*>([\s\S]*?)<\/p>/.exec(html);
  return match ? { outcome: match[1] ?? '', text: unescapeHtml((match[2] ?? '').replace(/<!-- -->/g, '')) } : undefined;
}

// Each request may wait on a cold server or on the gate's retries on a busy machine: generous per-test time.
describe('examples/next (slow: next build + next start)', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    licenzy.mock.grant('user_paid');
    licenzy.mock.grant('user_paid_2');
    licenzy.mock.grant('user_outage');
    // The built packages as real folders in the example's node_modules, as npm installs them (not workspace links,
    // which Next.js would bundle once per layer); then built with no LICENZY_* set: the build needs no Licenzy key.
    await runInExample(['install-local-packages.mjs']);
    await runInExample([nextBin, 'build']);
    url = await nextStart();
  }, BUILD_TIMEOUT + START_TIMEOUT);
  afterAll(stopServer, 30_000);

  it('serves the gated route handler to an entitled session: 200 with the report', async () => {
    const response = await fetch(`${url}/api/pro/report`, { headers: cookie('paid') });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ report: 'Quarterly numbers, for paying users only', subjectRef: 'user_paid', source: expect.stringMatching(/^(licenzy|cache)$/) });
  });

  it('answers 401 subject_required without a session, whatever the URL, query or headers claim', async () => {
    for (const [path, headers] of [
      ['/api/pro/report', {}],
      ['/api/pro/report?subject=user_paid&user=user_paid', { 'x-user': 'user_paid', authorization: 'Demo user_paid' }],
      ['/api/pro/report', { cookie: 'demo_session=user_paid' }], // a user id is not a session id
    ] as const) {
      const response = await fetch(`${url}${path}`, { headers });
      expect(response.status, path).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({ status: 401, code: 'subject_required' });
    }
  });

  it('answers 403 access_denied to a session whose user has no entitlement, without running the handler', async () => {
    const response = await fetch(`${url}/api/pro/report`, { headers: cookie('free') });
    expect(response.status).toBe(403);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = await response.json();
    expect(body).toMatchObject({ status: 403, code: 'access_denied' });
    expect(body).not.toHaveProperty('report');
  });

  it('answers the status route: 200 {"allowed":true} for an entitled session, 401 without one', async () => {
    const granted = await fetch(`${url}/api/access-status`, { headers: cookie('paid') });
    expect(granted.status).toBe(200);
    expect(await granted.json()).toMatchObject({ allowed: true });
    expect((await fetch(`${url}/api/access-status`)).status).toBe(401);
  });

  it('runs the server action for an entitled session: the page shows the export', async () => {
    const { status, html } = await submitExportForm('paid');
    expect(status).toBe(200);
    expect(exportResult(html)).toEqual({ outcome: 'granted', text: 'Quarterly export, for paying users only (for user_paid)' });
  });

  it('refuses the server action for a session without an entitlement: the page shows the problem (403 access_denied)', async () => {
    const { status, html } = await submitExportForm('free');
    expect(status).toBe(200);
    expect(exportResult(html)).toEqual({ outcome: 'access_denied', text: 'Refused (403 access_denied): This resource requires an active entitlement' });
    expect(html).not.toContain('Quarterly export');
  });

  it('shares one gate between the route handlers and the server action: a decision cached by one serves the other', async () => {
    const asked = licenzy.mock.count('/v1/access/check');
    // user_paid_2 was never asked about: the route handler asks Licenzy once and caches the grant (30 s by default)...
    expect((await fetch(`${url}/api/pro/report`, { headers: cookie('paid2') })).status).toBe(200);
    expect(licenzy.mock.count('/v1/access/check')).toBe(asked + 1);
    // ...and the action, seconds later, is served from that cache: a second gate (a bundled copy) would ask again.
    const { html } = await submitExportForm('paid2');
    expect(exportResult(html)).toEqual({ outcome: 'granted', text: 'Quarterly export, for paying users only (for user_paid_2)' });
    expect(licenzy.mock.count('/v1/access/check')).toBe(asked + 1);
  });

  it('answers 503 with Retry-After while Licenzy is down, in the route handler and the server action alike', async () => {
    licenzy.mock.fault({ type: 'status', status: 503 });
    const response = await fetch(`${url}/api/pro/report`, { headers: cookie('outage') });
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await response.json()).toMatchObject({ status: 503, code: 'access_unavailable' });

    const { html } = await submitExportForm('outage');
    expect(exportResult(html)?.outcome).toBe('access_unavailable');
    expect(html).not.toContain('Quarterly export');
  });
});
