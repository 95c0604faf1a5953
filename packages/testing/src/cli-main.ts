// The licenzy-mock command: argument parsing, startup output and shutdown, as a function tests can call.
import { parseArgs } from 'node:util';
import { createMockLicenzy, type MockLicenzy } from './mock-licenzy.js';
import { MockLicenzyConfigError } from './mock-options.js';

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
                    [--latency MS] [--key lz_test_... ...]

Starts a local Licenzy emulator and prints shell lines to point a client at it.
  --port      TCP port (default 0: any free port)
  --host      interface to bind (default 127.0.0.1)
  --grant     give SUBJECT an active subscription in test mode (repeatable)
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

  let mock: MockLicenzy;
  try {
    mock = await createMockLicenzy({ port, latency, ...(values.host ? { host: values.host } : {}), ...(values.key ? { keys: values.key } : {}) });
  } catch (err) {
    if (err instanceof MockLicenzyConfigError) return fail(`--${err.option.replace(/\[\d+\]$/, '').replace(/s$/, '')}: ${err.message}`, 2);
    return fail(`could not start: ${err instanceof Error ? err.message : String(err)}`, 1);
  }
  for (const subject of grants) mock.grant(subject);

  // Comment lines start with '#', so the whole output can be pasted into a shell or a .env file.
  let key: string;
  try {
    key = mock.testKey;
  } catch {
    key = mock.liveKey;
  }
  stdout.write(
    [
      `# licenzy-mock listening on ${mock.url} (Ctrl+C to stop)`,
      `LICENZY_API_URL=${mock.url}`,
      `LICENZY_API_KEY=${key}`,
      `# granted in ${key.startsWith('lz_test_') ? 'test' : 'live'} mode: ${grants.length ? grants.map(printable).join(' ') : '(none)'}`,
      ...(values.deny?.length ? [`# denied (not granted): ${values.deny.map(printable).join(' ')}`] : []),
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

/** Keeps one subject on one line: control characters would break the copy-paste output. */
function printable(subject: string): string {
  return /^[\w.:@-]+$/.test(subject) ? subject : JSON.stringify(subject);
}
