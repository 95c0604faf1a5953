// The README's first command must stay true: `npm start [-- <framework>]` serves 200, 401 and 403 as printed.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

describe('npm start demo', () => {
  it.each(['express', 'koa', 'fastify'])('%s: the printed curl lines answer 200, 401 and 403', async (framework) => {
    // --check makes the demo request each printed line itself, print the block, and exit (0 only if all matched).
    const { stdout } = await run(process.execPath, ['scripts/start.mjs', framework, '--check'], { cwd: root, timeout: 60_000 });
    expect(stdout).toMatch(/curl -i http:\/\/127\.0\.0\.1:\d+\/pro\/report -H 'Authorization: Demo user_paid'\s+# 200 .*\(checked: 200\)/);
    expect(stdout).toMatch(/curl -i http:\/\/127\.0\.0\.1:\d+\/pro\/report\s+# 401 .*\(checked: 401\)/);
    expect(stdout).toMatch(/# 403 .*\(checked: 403\)/);
    // The metered route: two units, then 402; the checkout scene: 403, the status route waits, then 200.
    expect(stdout).toMatch(/curl -i -X POST http:\/\/127\.0\.0\.1:\d+\/api\/reports -H 'Authorization: Demo user_credits'\s+# .*\(checked: 200, 200, 402\)/);
    expect(stdout).toMatch(/Demo user_buyer'\s+# 403 .*\(checked: 403\)/);
    expect(stdout).toMatch(/\/api\/access-status -H 'Authorization: Demo user_buyer'\s+# .*\(checked: 200 after [\d.]+ s\)/);
    expect(stdout).toMatch(/Demo user_buyer'\s+# 200 .*\(checked: 200\)/);
    expect(stdout).toContain('Ctrl-C stops everything.');
  }, 90_000);
});
