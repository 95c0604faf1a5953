// Runs a Lua script by its SHA1 and sends the source only when Redis does not know it yet (one round trip usually).
import { createHash } from 'node:crypto';
import type { CommandConnection } from './connection.js';

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
