// Requests to the runtime children: one at a time with fetch, or many at once over plain node:http sockets.
import { Agent, request } from 'node:http';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `count` GET requests at once, each on its own connection (an agent without a socket limit), and resolves with
 * every answer. No client-side queue: the runtime really has `count` requests open together.
 */
export async function getMany(url: string, headers: Record<string, string>, count: number): Promise<Answer[]> {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  try {
    return await Promise.all(Array.from({ length: count }, () => get(url, headers, agent)));
  } finally {
    agent.destroy();
  }
}

function get(url: string, headers: Record<string, string>, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers, agent, timeout: 60_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within 60 s`)));
    req.on('error', reject);
    req.end();
  });
}
