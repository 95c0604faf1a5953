// The README's first command must stay true: `npm start [-- <framework>]` prints curl lines that answer what they
// announce, and keep answering it when run again: each printed line is run, in order, twice, with the real curl.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const BANNER_END = 'Ctrl-C stops everything.';

let demo: ChildProcess | undefined;
afterEach(async () => {
  if (demo?.exitCode === null) {
    const exited = new Promise((resolve) => demo?.once('exit', resolve));
    demo.kill('SIGTERM');
    await exited;
  }
  demo = undefined;
});

/** Starts `npm start`'s script in the background; resolves with everything printed once the banner is complete. */
function startDemo(args: string[]): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn('sh', ['-c', `exec "${process.execPath}" scripts/start.mjs ${args.join(' ')} 2>&1`], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  demo = child;
  let text = '';
  return new Promise((resolve, reject) => {
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes(BANNER_END)) resolve({ child, output: () => text });
    });
    child.once('exit', (code) => reject(new Error(`start.mjs exited (${code}) before its banner:\n${text}`)));
  });
}

interface PrintedLine {
  command: string;
  announced: number[];
  checked: number[];
}

/** Every printed curl line: the command, the statuses its comment announces (one per run) and what the self-check got. */
function printedLines(output: string): PrintedLine[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('  ') && line.includes('curl '))
    .map((line) => {
      const match = /^ {2}(.*?curl .*?)\s+# (\d{3}(?: → \d{3})*) .*\(checked: (\d{3}(?: → \d{3})*)[^)]*\)$/.exec(line);
      if (!match) throw new Error(`a printed curl line without announced statuses and a check: ${line}`);
      const statuses = (text: string) => text.split(' → ').map(Number);
      return { command: match[1] ?? '', announced: statuses(match[2] ?? ''), checked: statuses(match[3] ?? '') };
    });
}

/** Runs a printed line in a shell, as a reader would paste it; the status of the (last) HTTP answer it shows. */
async function runLine(command: string): Promise<number> {
  const { stdout } = await run('sh', ['-c', command], { cwd: root, timeout: 20_000 });
  const statuses = [...stdout.matchAll(/^HTTP\/[\d.]+ (\d{3})/gm)].map((match) => Number(match[1]));
  return statuses.at(-1) ?? 0;
}

describe('npm start demo', () => {
  it.each(['express', 'koa', 'fastify', 'nest', 'hono'])('%s: every printed curl line answers what it announces, twice in a row', async (framework) => {
    const { output } = await startDemo([framework, '--port', '0']);
    const lines = printedLines(output());
    // 200, 401, 403, the free route; the top-up and the metered route; the checkout scene.
    expect(lines.map((line) => line.announced.join(' → '))).toEqual(['200', '401', '403', '200', '200', '200 → 200 → 402', '200', '403', '200', '200']);
    for (const line of lines) expect(line.checked, line.command).toEqual(line.announced);
    expect(output()).toMatch(/Licenzy's signed webhooks go to the app \(http:\/\/127\.0\.0\.1:\d+\/webhooks\/licenzy\)/);
    expect(output()).toMatch(/checked: (\d+) of \1 webhooks delivered/);
    expect(output()).not.toMatch(/whsec_|lz_test_/); // neither the webhook secret nor the API key is printed

    for (const replay of [1, 2]) {
      for (const line of lines) {
        const statuses: number[] = [];
        for (let i = 0; i < line.announced.length; i++) statuses.push(await runLine(line.command));
        expect(statuses, `replay ${replay}: ${line.command}`).toEqual(line.announced);
      }
    }
  }, 90_000);

  it('--check plays the demo on its own subjects and exits 0; --help lists every flag', async () => {
    const { stdout } = await run(process.execPath, ['scripts/start.mjs', '--check'], { cwd: root, timeout: 60_000 });
    expect(stdout).toContain('subjects of its own (selfcheck_*)');
    expect(stdout).toContain(BANNER_END);
    const help = await run(process.execPath, ['scripts/start.mjs', '--help'], { cwd: root });
    for (const flag of ['express', 'koa', 'fastify', 'nest', 'hono', '--port', '--stats', '--check', '--instances', '--help']) expect(help.stdout).toContain(flag);
    await expect(run(process.execPath, ['scripts/start.mjs', '--prot', '3000'], { cwd: root })).rejects.toMatchObject({ code: 2 });
  }, 90_000);

  it('--stats: the stats lines come after the banner', async () => {
    const { output } = await startDemo(['express', '--port', '0', '--stats']);
    // The self-check's traffic changes the stats at once: a line is due within a second of the banner.
    await expect.poll(() => /licenzy-gate: \d+ decisions/.test(output()), { timeout: 5000 }).toBe(true);
    const text = output();
    expect(text.indexOf('licenzy-gate: ')).toBeGreaterThan(text.indexOf(BANNER_END));
  }, 90_000);
});
