// Tests the licenzy-mock command logic by calling runMockCli directly.
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runMockCli } from '../src/cli-main.js';
import type { MockLicenzy } from '../src/mock-licenzy.js';
import { DEFAULT_LIVE_KEY, DEFAULT_TEST_KEY } from '../src/mock-options.js';
import { generateWebhookSecret } from '../src/mock-webhooks.js';

function capture() {
  const out: string[] = [];
  return { stream: { write: (text: string) => out.push(text) }, text: () => out.join('') };
}

/** Starts the command, hands the running mock to `use`, then stops it as SIGINT would. */
async function runWhileReady(argv: string[], use: (mock: MockLicenzy) => Promise<void>) {
  const stdout = capture();
  const stderr = capture();
  const stop = new AbortController();
  let failure: unknown;
  const code = await runMockCli(argv, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    signal: stop.signal,
    onReady: (mock) => {
      use(mock).catch((err: unknown) => (failure = err)).finally(() => stop.abort());
    },
  });
  if (failure) throw failure;
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const check = (mock: MockLicenzy, subjectRef: string) =>
  fetch(`${mock.url}/v1/access/check`, {
    method: 'POST',
    headers: { authorization: `Bearer ${mock.testKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ subject_ref: subjectRef }),
  }).then((res) => res.json());

describe('runMockCli', () => {
  it('grants subjects in test mode, prints shell lines, and stops cleanly', async () => {
    let url = '';
    const result = await runWhileReady(['--grant', 'user_123', '--grant', 'user_456', '--deny', 'user_x'], async (mock) => {
      url = mock.url;
      expect(await check(mock, 'user_123')).toEqual({ subject_ref: 'user_123', allowed: true });
      expect(await check(mock, 'user_456')).toEqual({ subject_ref: 'user_456', allowed: true });
      expect(await check(mock, 'user_x')).toEqual({ subject_ref: 'user_x', allowed: false });
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trim().split('\n');
    expect(lines).toContain(`LICENZY_API_URL=${url}`);
    expect(lines).toContain(`LICENZY_API_KEY=${DEFAULT_TEST_KEY}`);
    // Everything else is a shell comment, so the output can be pasted as is.
    expect(lines.filter((line) => !line.startsWith('LICENZY_')).every((line) => line.startsWith('#'))).toBe(true);
    expect(result.stdout).toMatch(/# granted in test mode: user_123 user_456/);
    expect(result.stdout).toMatch(/# denied \(not granted\): user_x/);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('honours --host, --latency and --key', async () => {
    const result = await runWhileReady(['--host', '127.0.0.1', '--latency', '5', '--key', 'lz_test_custom_key'], async (mock) => {
      expect(mock.testKey).toBe('lz_test_custom_key');
      const started = performance.now();
      await check(mock, 'u');
      expect(performance.now() - started).toBeGreaterThanOrEqual(4);
    });
    expect(result.stdout).toContain('LICENZY_API_KEY=lz_test_custom_key');
  });

  it('prints the live key when only live keys are given', async () => {
    const result = await runWhileReady(['--key', 'lz_live_only'], async () => {});
    expect(result.stdout).toContain('LICENZY_API_KEY=lz_live_only');
    expect(result.stdout).toContain('# granted in live mode: (none)');
  });

  it('quotes subjects that would break the copy-paste output', async () => {
    const result = await runWhileReady(['--grant', 'a b\nc'], async () => {});
    expect(result.stdout).toContain('# granted in test mode: "a b\\nc"');
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['stray'], /positional/i],
    [['--port', 'abc'], /--port must be an integer/],
    [['--port', ''], /--port must be an integer/],
    [['--port', '70000'], /--port must be an integer/],
    [['--latency=-3'], /--latency must be/],
    [['--grant', ''], /--grant needs a non-empty subject/],
    [['--key', 'sk_nope'], /--key/],
    [['--mode', 'prod'], /--mode must be test or live/],
    [['--webhook', 'ftp://x'], /--webhook: .*http: or https:/],
    [['--webhook', 'http://127.0.0.1:9/', '--webhook-secret', 'hunter2'], /--webhook-secret: .*whsec_/],
    [['--webhook-secret', 'whsec_x'], /--webhook-secret needs at least one --webhook/],
    [['--mode', 'live', '--key', 'lz_test_only'], /--mode live: no lz_live_ key/],
  ])('rejects %j with exit code 2', async (argv, message) => {
    const stderr = capture();
    const stdout = capture();
    expect(await runMockCli(argv, { stdout: stdout.stream, stderr: stderr.stream })).toBe(2);
    expect(stderr.text()).toMatch(message);
    expect(stderr.text()).toContain('--help');
    expect(stdout.text()).toBe('');
  });

  it('exits 1 when the port is taken', async () => {
    await runWhileReady([], async (mock) => {
      const stderr = capture();
      expect(await runMockCli(['--port', String(mock.port)], { stderr: stderr.stream, stdout: capture().stream })).toBe(1);
      expect(stderr.text()).toMatch(/could not start: .*EADDRINUSE/);
    });
  });

  it('prints usage for --help', async () => {
    const stdout = capture();
    expect(await runMockCli(['--help'], { stdout: stdout.stream })).toBe(0);
    expect(stdout.text()).toMatch(/^Usage: licenzy-mock/);
  });

  it('prints the console URL', async () => {
    let url = '';
    const result = await runWhileReady([], async (mock) => {
      url = mock.url;
      const page = await fetch(`${mock.url}/`);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      await page.arrayBuffer();
    });
    expect(result.stdout).toContain(`# console: ${url}/ (control API: ${url}/_mock/`);
    expect(result.stdout).not.toContain('warning');
  });

  it('grants in live mode with --mode live and prints the live key', async () => {
    const result = await runWhileReady(['--mode', 'live', '--grant', 'user_live'], async (mock) => {
      expect(mock.entitlements('user_live', { mode: 'live' })).toHaveLength(1);
      expect(mock.entitlements('user_live')).toEqual([]);
    });
    expect(result.stdout).toContain(`LICENZY_API_KEY=${DEFAULT_LIVE_KEY}`);
    expect(result.stdout).toContain('# granted in live mode: user_live');
  });

  it('sends webhooks signed with a generated secret it prints once, or with --webhook-secret it never prints', async () => {
    const bodies: { signature: string; id: string; timestamp: string; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        bodies.push({ signature: String(req.headers['webhook-signature']), id: String(req.headers['webhook-id']), timestamp: String(req.headers['webhook-timestamp']), body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      const generated = await runWhileReady(['--webhook', hook, '--grant', 'u'], async (mock) => {
        await mock.webhooksIdle();
      });
      const secret = /^LICENZY_WEBHOOK_SECRET=(whsec_\S+)$/m.exec(generated.stdout)?.[1] ?? '';
      expect(secret).not.toBe('');
      expect(generated.stdout).toContain(`# webhooks to: ${hook}`);
      const first = bodies[0];
      const expected = createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update(`${first?.id}.${first?.timestamp}.${first?.body}`).digest('base64');
      expect(first?.signature).toBe(`v1,${expected}`);

      const chosen = generateWebhookSecret();
      const given = await runWhileReady(['--webhook', hook, '--webhook-secret', chosen], async () => {});
      expect(given.stdout).not.toContain(chosen.slice(6));
      expect(given.stdout).not.toContain('LICENZY_WEBHOOK_SECRET');
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it('warns when --host exposes the keyless control API beyond loopback', async () => {
    const result = await runWhileReady(['--host', '0.0.0.0'], async () => {});
    expect(result.stdout).toMatch(/# warning: the console and control API need no key and are reachable by anyone who can reach 0\.0\.0\.0/);
  });
});
