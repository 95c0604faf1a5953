// The fleet app's Redis tier from its environment (issue 24): one redis-server (REDIS_URL), a Redis Cluster or a
// Sentinel deployment, on the tier's own connections or on an app's node-redis or ioredis client.
//
//   REDIS_URL                      one redis-server: createRedisTier({ url })
//   FLEET_REDIS_MODE               'cluster' or 'sentinel' (with FLEET_REDIS_NODES: host:port,… of the nodes or Sentinels)
//   FLEET_REDIS_CLIENT             'url' (default: the tier's own node-redis connections), 'node-redis' or 'ioredis'
//   FLEET_REDIS_SENTINEL           the monitored primary's name (Sentinel only)

/**
 * Resolves `{ shared, close }` (`shared` undefined without any Redis in the environment). `close()` closes the tier and
 * the app's client it created. Throws one line on a bad combination.
 */
export async function fleetTier(env, logger) {
  const mode = env.FLEET_REDIS_MODE;
  if (mode === undefined || mode === '') {
    if (!env.REDIS_URL) return { shared: undefined, close: async () => undefined };
    const { createRedisTier } = await import('@licenzy-gate/redis');
    const shared = createRedisTier({ url: env.REDIS_URL, logger });
    return { shared, close: () => shared.close() };
  }
  if (mode !== 'cluster' && mode !== 'sentinel') throw new Error(`FLEET_REDIS_MODE must be cluster or sentinel, got ${JSON.stringify(mode)}`);
  const nodes = (env.FLEET_REDIS_NODES ?? '').split(',').filter(Boolean).map((node) => {
    const [host, port] = node.split(':');
    return { host, port: Number(port) };
  });
  if (nodes.length === 0 || nodes.some((n) => !n.host || !Number.isInteger(n.port))) throw new Error('FLEET_REDIS_NODES must list host:port,…');
  const client = env.FLEET_REDIS_CLIENT || 'url';
  const name = env.FLEET_REDIS_SENTINEL || 'licenzy';
  const { createRedisTier } = await import('@licenzy-gate/redis');
  const url = `redis://${nodes[0].host}:${nodes[0].port}`;
  if (client === 'url') {
    const shared = createRedisTier(mode === 'cluster' ? { url, cluster: true, logger } : { url, sentinel: name, logger });
    return { shared, close: () => shared.close() };
  }
  const app = await appClient(mode, client, nodes, name);
  // An ioredis client in Sentinel mode looks like one server: say how many replicas to wait for.
  const shared = createRedisTier({ client: app.client, logger, ...(client === 'ioredis' && mode === 'sentinel' ? { replicas: 1 } : {}) });
  return {
    shared,
    async close() {
      await shared.close();
      await app.close();
    },
  };
}

/** An app's own connected cluster or Sentinel client, as an app would create it (no offline queue). */
async function appClient(mode, client, nodes, name) {
  if (client === 'node-redis') {
    const { createCluster, createSentinel } = await import('redis');
    const app = mode === 'cluster'
      ? createCluster({ rootNodes: nodes.map((n) => ({ url: `redis://${n.host}:${n.port}` })), defaults: { disableOfflineQueue: true } })
      : createSentinel({ name, sentinelRootNodes: nodes });
    app.on('error', () => undefined); // the tier logs what matters, once per outage
    await app.connect();
    return { client: app, close: async () => app.destroy() };
  }
  if (client === 'ioredis') {
    const { Cluster, Redis } = await import('ioredis');
    const app = mode === 'cluster' ? new Cluster(nodes, { enableOfflineQueue: false }) : new Redis({ sentinels: nodes, name, enableOfflineQueue: false });
    app.on('error', () => undefined);
    return { client: app, close: async () => app.disconnect() };
  }
  throw new Error(`FLEET_REDIS_CLIENT must be url, node-redis or ioredis, got ${JSON.stringify(client)}`);
}
