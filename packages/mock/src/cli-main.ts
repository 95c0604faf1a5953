// The licenzy-mock command: argument parsing, startup output and shutdown, as a function tests can call.
import { parseArgs } from 'node:util';
import { createMockLicenzy, type MockLicenzy } from './mock-licenzy.js';
import type { LicenzyMode } from '@licenzy-gate/core';
import { MockLicenzyConfigError } from './mock-config-error.js';
import { generateWebhookSecret } from './mock-webhooks.js';

/**
 * Where the command writes and what stops it.
 * @example
 * const stop = new AbortController();
 * const exit = runMockCli(['--grant', 'user_1'], { signal: stop.signal, onReady: (mock) => { ...; stop.abort(); } });
 */
export interface MockCliIo {
  /** Default `process.stdout`. */
  stdout?: { write(text: string): unknown };
  /** Default `process.stderr`. */
  stderr?: { write(text: string): unknown };
  /** Stops the emulator when aborted; the `licenzy-mock` bin aborts it on SIGINT/SIGTERM. Default: runs until the process ends. */
  signal?: AbortSignal;
  /** Called once the emulator listens and the startup lines are written. */
  onReady?: (mock: MockLicenzy) => void;
}

const USAGE = `Usage: licenzy-mock [--port 4010] [--host 127.0.0.1] [--grant SUBJECT ...] [--deny SUBJECT ...]
                    [--mode test|live] [--latency MS] [--key lz_test_... ...]
                    [--webhook URL ...] [--webhook-secret whsec_...]

Starts a local Licenzy emulator and prints shell lines to point a client at it. Open the printed console URL
to grant, revoke, refund and simulate outages by hand; scripts use the same control API under /_mock/.
  --port      TCP port (default 0: any free port)
  --host      interface to bind (default 127.0.0.1; the control API needs no key, so keep it on loopback)
  --grant     give SUBJECT an active subscription (repeatable), in the mode --mode names
  --mode      mode of --grant and of the printed key: test (default) or live
  --webhook   send signed Licenzy-style webhooks to URL on every state change (repeatable)
  --webhook-secret  Standard Webhooks secret (whsec_ + base64) to sign with; default: a new one, printed once
  --deny      documents that SUBJECT is denied; a no-op, since ungranted subjects are denied (repeatable)
  --latency   milliseconds added before every response (default 0)
  --key       accepted API key, lz_test_ or lz_live_ (repeatable; default the built-in example keys)
  --help      show this text
Stop with Ctrl+C (SIGINT) or SIGTERM.
`;

/**
 * Runs `licenzy-mock` with the given arguments (without `node` and the script path) and resolves its exit code:
 * 0 after a clean stop or `--help`, 2 on bad arguments, 1 when the emulator cannot start (e.g. port in use).
 * @example
 * process.exitCode = await runMockCli(process.argv.slice(2), { signal });
 */
export async function runMockCli(argv: readonly string[], io: MockCliIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const fail = (message: string, code: number): number => {
    stderr.write(`licenzy-mock: ${message}\n${code === 2 ? 'Run licenzy-mock --help for usage.\n' : ''}`);
    return code;
  };

  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        grant: { type: 'string', multiple: true },
        deny: { type: 'string', multiple: true },
        latency: { type: 'string' },
        key: { type: 'string', multiple: true },
        mode: { type: 'string' },
        webhook: { type: 'string', multiple: true },
        'webhook-secret': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err), 2);
  }
  if (values.help) {
    stdout.write(USAGE);
    return 0;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  const latency = values.latency === undefined ? 0 : Number(values.latency);
  // Number('') is 0, so an empty value must be rejected before it silently means "any port".
  if (values.port === '' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    return fail(`--port must be an integer from 0 to 65535 (got ${JSON.stringify(values.port)})`, 2);
  }
  if (values.latency === '' || !Number.isFinite(latency) || latency < 0) {
    return fail(`--latency must be a number of milliseconds >= 0 (got ${JSON.stringify(values.latency)})`, 2);
  }
  const grants = values.grant ?? [];
  if (grants.some((subject) => subject === '')) return fail('--grant needs a non-empty subject', 2);
  if (values.mode !== undefined && values.mode !== 'test' && values.mode !== 'live') {
    return fail(`--mode must be test or live (got ${JSON.stringify(values.mode)})`, 2);
  }
  const webhookUrls = values.webhook ?? [];
  if (values['webhook-secret'] !== undefined && webhookUrls.length === 0) return fail('--webhook-secret needs at least one --webhook URL', 2);
  const generatedSecret = webhookUrls.length > 0 && values['webhook-secret'] === undefined ? generateWebhookSecret() : undefined;
  const secret = values['webhook-secret'] ?? generatedSecret ?? '';

  let mock: MockLicenzy;
  try {
    mock = await createMockLicenzy({
      port,
      latency,
      ...(values.host ? { host: values.host } : {}),
      ...(values.key ? { keys: values.key } : {}),
      webhooks: webhookUrls.map((url) => ({ url, secret })),
    });
  } catch (err) {
    if (err instanceof MockLicenzyConfigError) return fail(`${flagOf(err.option)}: ${err.reason}`, 2);
    return fail(`could not start: ${err instanceof Error ? err.message : String(err)}`, 1);
  }

  // Comment lines start with '#', so the whole output can be pasted into a shell or a .env file.
  const keyOf = (mode: LicenzyMode): string | undefined => {
    try {
      return mode === 'test' ? mock.testKey : mock.liveKey;
    } catch {
      return undefined;
    }
  };
  const mode: LicenzyMode = values.mode === 'live' || (values.mode === undefined && keyOf('test') === undefined) ? 'live' : 'test';
  const key = keyOf(mode);
  if (key === undefined) {
    await mock.close();
    return fail(`--mode ${mode}: no lz_${mode}_ key is accepted (add one with --key)`, 2);
  }
  for (const subject of grants) mock.grant(subject, undefined, { mode });
  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(values.host ?? '127.0.0.1');
  stdout.write(
    [
      `# licenzy-mock listening on ${mock.url} (Ctrl+C to stop)`,
      `LICENZY_API_URL=${mock.url}`,
      `LICENZY_API_KEY=${key}`,
      `# granted in ${mode} mode: ${grants.length ? grants.map(printable).join(' ') : '(none)'}`,
      ...(values.deny?.length ? [`# denied (not granted): ${values.deny.map(printable).join(' ')}`] : []),
      `# console: ${mock.consoleUrl} (control API: ${mock.url}/_mock/, see the @licenzy-gate/mock README)`,
      ...(loopback ? [] : [`# warning: the console and control API need no key and are reachable by anyone who can reach ${values.host}`]),
      ...webhookUrls.map((url) => `# webhooks to: ${url}`),
      // The only place a secret is ever printed: one the user did not choose and must copy to the receiver.
      ...(generatedSecret ? [`LICENZY_WEBHOOK_SECRET=${generatedSecret}`] : []),
      '',
    ].join('\n'),
  );
  io.onReady?.(mock);

  await new Promise<void>((resolve) => {
    if (io.signal?.aborted) return resolve();
    io.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await mock.close();
  stdout.write('# licenzy-mock stopped\n');
  return 0;
}

/** The command-line flag behind an option name that createMockLicenzy rejected. */
function flagOf(option: string): string {
  if (/^webhooks\[\d+\]\.secret$/.test(option)) return '--webhook-secret';
  if (/^webhooks\[\d+\]/.test(option)) return '--webhook';
  return `--${option.replace(/\[\d+\]$/, '').replace(/s$/, '')}`;
}

/** Keeps one subject on one line: control characters would break the copy-paste output. */
function printable(subject: string): string {
  return /^[\w.:@-]+$/.test(subject) ? subject : JSON.stringify(subject);
}
