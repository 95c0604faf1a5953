// `npm start -- --instances 3` must stay true: its printed curl lines show a revocation sent to instance 1 denying on
// instance 3, and without redis-server it says how to install it in one line and exits non-zero.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { redisServerAvailable } from '../../packages/redis/test/redis-server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const available = redisServerAvailable();

describe('npm start -- --instances 3', () => {
  it.skipIf(!available)('--check: every printed line answers as its comment says (revoke via instance 1, 403 on instance 3)', async () => {
    const { stdout } = await run(process.execPath, ['scripts/start.mjs', '--instances', '3', '--check'], { cwd: root, timeout: 60_000 });
    const port = String.raw`http://127\.0\.0\.1:\d+`;
    expect(stdout).toMatch(/checked: 1 Licenzy call\)/);
    expect(stdout).toMatch(new RegExp(String.raw`curl -i ${port}/pro/report -H 'Authorization: Demo user_paid'\s+# 200 on instance 2 \(checked: 200\)`));
    expect(stdout).toMatch(new RegExp(String.raw`curl -X POST ${port}/_mock/subjects/user_paid/revoke .*\(checked: 200\)`));
    expect(stdout).toMatch(/# 403 on instance 3, which never received the webhook \(checked: 403\)/);
    expect(stdout).toMatch(/# 200 on instance 3 again \(checked: 200\)/);
    expect(stdout).toContain('Ctrl-C stops everything');
    expect(stdout).not.toMatch(/whsec_|lz_test_/); // neither the webhook secret nor the API key is printed
  }, 90_000);

  it('without redis-server: one line saying how to install it, exit code 1', async () => {
    const failed = await run(process.execPath, ['scripts/start.mjs', '--instances', '3', '--check'], {
      cwd: root,
      timeout: 30_000,
      env: { ...process.env, REDIS_SERVER_BIN: '/nonexistent/redis-server' },
    }).then(() => undefined, (error: { code?: number; stderr?: string; stdout?: string }) => error);
    expect(failed?.code).toBe(1);
    expect(failed?.stderr?.trim()).toMatch(/^redis-server not found at \/nonexistent\/redis-server: install it with `sudo apt-get install redis-server`/);
    expect(failed?.stderr?.trim().split('\n')).toHaveLength(1);
    expect(failed?.stdout).toBe('');
  });
});
