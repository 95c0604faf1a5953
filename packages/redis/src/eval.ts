// Runs a Lua script by its SHA1 and sends the source only when Redis does not know it yet (one round trip usually).
import { createHash } from 'node:crypto';
import type { CommandConnection } from './connection.js';
import { RedisTierError } from './errors.js';

const shas = new Map<string, string>();

export async function evalScript(connection: CommandConnection, script: string, keys: string[], args: string[]): Promise<unknown> {
  let sha = shas.get(script);
  if (sha === undefined) {
    sha = createHash('sha1').update(script).digest('hex');
    shas.set(script, sha);
  }
  try {
    return await connection.send(['EVALSHA', sha, String(keys.length), ...keys, ...args]);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return connection.send(['EVAL', script, String(keys.length), ...keys, ...args]);
  }
}

/**
 * Runs a script, then `WAIT replicas ms` on its node's connection; rejects unless `replicas` acknowledged it, so an
 * invalidation or a clear resolves only once a failover cannot lose it (the replica that has it is the one promoted).
 */
export async function evalReplicated(
  connection: CommandConnection,
  script: string,
  keys: string[],
  args: string[],
  replicas: number,
  ms: number,
): Promise<unknown> {
  const reply = await evalScript(connection, script, keys, args);
  if (replicas === 0) return reply;
  const acknowledged = await connection.replicate(keys[0] ?? '', replicas, ms);
  if (!(acknowledged >= replicas)) {
    throw new RedisTierError('ERR_LICENZY_SHARED_COMMAND', `Redis did not replicate the change to ${replicas} replica(s) within ${ms} ms`);
  }
  return reply;
}
