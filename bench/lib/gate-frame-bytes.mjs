// The gate's own allocations on a hit path, apart from the framework's: benchmark 1's "in the gate's own code" figure,
// also run alone by bench/experiments/gate-bytes.mjs.
import { runLoad } from './load.mjs';

/** Where licenzy-gate's own code lives, as V8 names its scripts (the workspace's dist, or an installed package). */
export const GATE_CODE = /\/packages\/(?:core|express|koa|fastify)\/dist\/|\/node_modules\/@licenzy-gate\//;

/**
 * Bytes per request allocated with licenzy-gate's own code on top of the stack, from V8's sampling heap profiler over a
 * window of load on one gated server (objects already collected included): the gate's own allocations, apart from the
 * framework's, which bytes-per-request differences between processes cannot resolve to a few bytes. `sites`: those
 * bytes per request by allocating function (`name@file:line < caller`), largest first.
 */
export async function gateFrameBytes(server, { connections, headers, seconds }) {
  const load = runLoad({ url: `${server.info.url}/pro`, duration: seconds + 0.6, connections, headers });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await server.call('countStart');
  await server.call('heapSampleStart', 64);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const profile = JSON.parse(await server.call('heapSampleStop'));
  const { requests } = await server.call('countStop');
  await load;
  let bytes = 0;
  let all = 0;
  const sites = new Map();
  const walk = (node, caller) => {
    all += node.selfSize;
    if (GATE_CODE.test(node.callFrame.url) && node.selfSize > 0) {
      bytes += node.selfSize;
      const site = `${node.callFrame.functionName}@${node.callFrame.url.replace(/.*\/packages\//, '')}:${node.callFrame.lineNumber} < ${caller}`;
      sites.set(site, (sites.get(site) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, node.callFrame.functionName);
  };
  walk(profile.head, '');
  const bySite = [...sites].map(([site, b]) => ({ site, bytes: b / requests })).sort((a, b) => b.bytes - a.bytes);
  return { bytes: bytes / requests, all: all / requests, requests, sites: bySite };
}
