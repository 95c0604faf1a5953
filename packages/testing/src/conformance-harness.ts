// What the harness suites (metered, status) share: gates on the target's mock, apps mounted per case and closed after.
import { channel } from 'node:diagnostics_channel';
import { CHANNELS, createAccessGate, type AccessGateOptions, type LicenzyGate, type UsageEvent } from '@licenzy-gate/core';
import type { MockFault, MockFaultOptions } from '@licenzy-gate/mock';
import { ConformanceError, type ConformanceCase, type ConformanceMock, type ConformanceTarget, type MountedApp } from './conformance-target.js';
import { fetchJson, type JsonReply } from './helpers.js';

/** One harness case's view of the target: its mock, gates on it, and apps and faults that end with the case. */
export interface HarnessScene {
  mock: ConformanceMock;
  /** A gate on the mock: no retries, no breaker, `freshInterval: 0`, a silent logger, then `extra`. */
  gate(extra?: AccessGateOptions): LicenzyGate;
  /** Scripts a fault withdrawn when the case ends. */
  fault(fault: MockFault, options?: MockFaultOptions): void;
  /** Starts an app (closed when the case ends) and resolves with its base URL. */
  open(start: Promise<MountedApp>): Promise<string>;
  /** A request to `url` as `user` (the demo auth's `x-demo-user`), anonymous without one. */
  request(url: string, user?: string, init?: RequestInit): Promise<JsonReply>;
}

const quiet = { warn: () => undefined, error: () => undefined };

/**
 * A case that needs `target[mount]`: without it the case fails saying which suite to leave out, never passing silently.
 * @example
 * harnessCase('status', 'mountStatus', 'status-paid', 'MUST …', async (scene, mount) => { … })
 */
export function harnessCase<M extends 'mountMetered' | 'mountStatus'>(
  suite: string,
  mount: M,
  id: string,
  name: string,
  fn: (scene: HarnessScene, mountOn: NonNullable<ConformanceTarget[M]>) => Promise<void>,
): ConformanceCase {
  return {
    id,
    name,
    async fn(target) {
      const mountOn = target[mount];
      if (typeof mountOn !== 'function') {
        throw new ConformanceError(`the target has no ${mount}(): the '${suite}' suite needs it (or leave the suite out: runConformance(target, { suites }))`);
      }
      const apps: MountedApp[] = [];
      const faults: Array<{ remove(): void }> = [];
      const scene: HarnessScene = {
        mock: target.mock,
        gate: (extra = {}) =>
          createAccessGate({ apiKey: target.mock.testKey, baseUrl: target.mock.url, retries: 0, circuitBreaker: false, freshInterval: 0, logger: quiet, ...extra }),
        fault: (fault, options) => void faults.push(target.mock.fault(fault, options)),
        open: async (start) => {
          const app = await start;
          apps.push(app);
          return app.url;
        },
        request: (url, user, init = {}) => {
          const headers = new Headers(init.headers);
          if (user !== undefined) headers.set('x-demo-user', user);
          return fetchJson(url, { ...init, headers });
        },
      };
      try {
        await fn(scene, mountOn as NonNullable<ConformanceTarget[M]>);
      } finally {
        for (const fault of faults) fault.remove();
        await Promise.all(apps.map((app) => app.close()));
      }
    },
  };
}

/**
 * Resolves with the next `licenzy-gate:usage` diagnostics event of `type` for `subject`.
 * @example
 * const charged = nextUsageEvent(subject, 'charged'); await fetch(url); expect((await charged).units).toBe(2);
 */
export function nextUsageEvent(subject: string, type: UsageEvent['type']): Promise<UsageEvent> {
  return new Promise((resolve) => {
    const listener = (message: unknown) => {
      const event = message as UsageEvent;
      if (event.subjectRef !== subject || event.type !== type) return;
      channel(CHANNELS.usage).unsubscribe(listener);
      resolve(event);
    };
    channel(CHANNELS.usage).subscribe(listener);
  });
}

/**
 * A {@link ConformanceTarget} for the harness suites alone (`metered`, `status`): no app of its own, since each of
 * those cases mounts its routes through `mounts`. Run it with `suites: ['metered', 'status']`.
 * @example
 * runConformance(harnessTarget(licenzy.mock, { mountStatus: (gate, status) => startStatusApp(gate, status) }), { suites: ['status'] })
 */
export function harnessTarget(mock: ConformanceMock, mounts: Pick<ConformanceTarget, 'mountMetered' | 'mountStatus'>): ConformanceTarget {
  return {
    url: 'http://127.0.0.1:9',
    mock,
    invalidate: () => undefined,
    handlerCalls: () => 0,
    ...mounts,
  };
}
