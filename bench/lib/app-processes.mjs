// Experiments' server processes hosting several apps (bench/children/app.mjs), started and settled as benchmark 1 does.
import { startChild } from './child.mjs';
import { runLoad } from './load.mjs';
import { creationOrder } from './sliced.mjs';

/** The app variant behind a name: `control` is a second empty-middleware app. */
export const variantOf = (name) => (name === 'control' ? 'noop' : name);

/**
 * Server process number `n` of an experiment, serving every name in `names` (created, and first loaded, in the order
 * `creationOrder` gives process `n`), its gate warmed for `user_0` against `mock`, then settled (full GCs while idle). Pinned, with
 * `--expose-gc`; `headers` authenticate the load as `user_0`.
 */
export async function settledAppProcess({ framework, names, n, mock, headers, variant = variantOf }) {
  const order = creationOrder(names, n);
  const apps = Object.fromEntries(order.map((name) => [name, variant(name)]));
  const child = await startChild('app', { framework, variant: 'bare', apps, licenzy: { url: mock.info.url, apiKey: mock.info.apiKey }, cache: { ttl: 3_600_000 }, users: 1 }, { pin: true, execArgv: ['--expose-gc'] });
  await child.call('warm', ['user_0']);
  for (const name of order) await runLoad({ url: `${child.info.urls[name]}/pro`, connections: 32, duration: 0.5, headers });
  await child.call('settle');
  return child;
}
