// The emulator's programmatic face: state operations that notify the console and webhook receivers, faults, the log.
import type { LicenzyMode } from '@licenzy-gate/core';
import { MockLicenzyConfigError } from './mock-config-error.js';
import type { EventHub } from './mock-events.js';
import type { FaultQueue } from './mock-faults.js';
import type { MockLicenzy, MockModeOption } from './mock-licenzy-types.js';
import type { RequestLog } from './mock-log.js';
import type { ResolvedMockOptions } from './mock-options.js';
import { summaryRow } from './mock-routes.js';
import type { MockState } from './mock-state.js';
import type { MockWebhookType, WebhookSender } from './mock-webhooks.js';

/** A state change: the console refreshes, and (for a typed event) configured receivers get a signed webhook. */
export type Notify = (type: MockWebhookType | undefined, mode: LicenzyMode, subjectRef: string, extra?: Record<string, unknown>) => void;

/**
 * The notifier every state change goes through.
 * @example
 * const notify = createNotifier({ config, state, hub, webhooks });
 * notify('usage.consumed', 'test', 'user_1', { consumed: 1 });
 */
export function createNotifier(parts: { config: ResolvedMockOptions; state: MockState; hub: EventHub; webhooks: WebhookSender }): Notify {
  const { config, state, hub, webhooks } = parts;
  return function notify(type, mode, subjectRef, extra = {}) {
    hub.publish('state', { type: type ?? null, subject_ref: subjectRef, mode });
    if (type === undefined) return;
    const nowMs = config.now();
    const entitlements = state.entitlements(mode, subjectRef);
    webhooks.send(type, {
      subject_ref: subjectRef,
      mode,
      has_access: state.isAllowed(mode, subjectRef, nowMs),
      ...extra,
      entitlements: entitlements.map((entitlement) => ({ id: entitlement.id, ...summaryRow(entitlement, nowMs) })),
    });
  };
}

/** What {@link createMockApi} assembles: the parts, plus the server facts and lifecycle owned by `createMockLicenzy`. */
export interface ApiParts {
  config: ResolvedMockOptions;
  state: MockState;
  faults: FaultQueue;
  log: RequestLog;
  hub: EventHub;
  webhooks: WebhookSender;
  notify: Notify;
  url: string;
  port: number;
  connections(): number;
  setLatency(ms: number): void;
  close(): Promise<void>;
}

/**
 * The {@link MockLicenzy} object over the emulator's parts.
 * @example
 * const api = createMockApi({ config, state, faults, log, hub, webhooks, notify, url, port, connections, setLatency, close });
 */
export function createMockApi(parts: ApiParts): MockLicenzy {
  const { config, faults, log, hub, webhooks } = parts;
  const firstKey = (mode: LicenzyMode): string => {
    for (const [key, keyMode] of config.keys) if (keyMode === mode) return key;
    throw new MockLicenzyConfigError('keys', `no lz_${mode}_ key was configured`);
  };
  return {
    url: parts.url,
    port: parts.port,
    consoleUrl: `${parts.url}/`,
    get testKey() {
      return firstKey('test');
    },
    get liveKey() {
      return firstKey('live');
    },
    get requests() {
      return log.requests;
    },
    get violations() {
      return log.violations;
    },
    get connections() {
      return parts.connections();
    },
    get webhookDeliveries() {
      return webhooks.deliveries;
    },
    ...stateOperations(parts),
    fault: (fault, options) => {
      const handle = faults.add(fault, options);
      hub.publish('state', { type: null, faults: faults.size });
      return handle;
    },
    clearFaults: () => {
      faults.clear();
      hub.publish('state', { type: null, faults: 0 });
    },
    activeFaults: () => faults.list(),
    setLatency: (ms) => parts.setLatency(ms),
    count: (pathOrEndpoint) => log.count(pathOrEndpoint),
    counts: () => log.counts(),
    clearLog: () => log.clear(),
    webhooksIdle: () => webhooks.idle(),
    now: () => config.now(),
    close: () => parts.close(),
  };
}

function modeOf(options: MockModeOption | undefined): LicenzyMode {
  const mode = options?.mode ?? 'test';
  if (mode !== 'test' && mode !== 'live') throw new MockLicenzyConfigError('mode', `expected 'test' or 'live', got ${String(mode)}`);
  return mode;
}

type StateOperations = Pick<MockLicenzy, 'grant' | 'revoke' | 'refund' | 'dispute' | 'topUp' | 'entitlements' | 'subjects' | 'reset'>;

/** Grants, revocations, refunds and disputes as Licenzy documents them, each announced through `notify`. */
function stateOperations(parts: ApiParts): StateOperations {
  const { config, state, notify } = parts;
  const hadKind = (mode: LicenzyMode, subjectRef: string, kind: string) => state.entitlements(mode, subjectRef).some((e) => e.kind === kind);
  return {
    grant: (subjectRef, entitlement = {}, options) => {
      const mode = modeOf(options);
      const granted = state.grant(mode, subjectRef, entitlement, config.now());
      notify('purchase.finalized', mode, subjectRef, { entitlement_id: granted.id, kind: granted.kind });
      return granted;
    },
    revoke: (subjectRef, options) => {
      const mode = modeOf(options);
      const had = state.entitlements(mode, subjectRef).length > 0;
      const subscription = hadKind(mode, subjectRef, 'subscription');
      state.revoke(mode, subjectRef);
      notify(had ? (subscription ? 'subscription.deleted' : 'entitlement.updated') : undefined, mode, subjectRef, { reason: 'revoked' });
    },
    refund: (subjectRef, options) => {
      const mode = modeOf(options);
      const after = state.refund(mode, subjectRef, config.now());
      notify(after.length > 0 ? 'entitlement.updated' : undefined, mode, subjectRef, { reason: 'refunded' });
      return after;
    },
    topUp: (subjectRef, units, options) => {
      const mode = modeOf(options);
      const result = state.topUp(mode, subjectRef, units, config.now());
      // A spent pack made usable again changes access: receivers must forget a cached refusal.
      if (result.created) notify('purchase.finalized', mode, subjectRef, { entitlement_id: result.entitlement.id, kind: 'usage_pack' });
      else notify('entitlement.updated', mode, subjectRef, { reason: 'topped_up', entitlement_id: result.entitlement.id, units });
      return result;
    },
    dispute: (subjectRef, options) => {
      const mode = modeOf(options);
      const after = state.dispute(mode, subjectRef);
      const type = after.length === 0 ? undefined : after.some((e) => e.kind === 'subscription') ? 'subscription.updated' : 'entitlement.updated';
      notify(type, mode, subjectRef, { reason: 'disputed' });
      return after;
    },
    entitlements: (subjectRef, options) => state.entitlements(modeOf(options), subjectRef),
    subjects: () => {
      const nowMs = config.now();
      return (['test', 'live'] as const).flatMap((mode) =>
        state.subjectRefs(mode).map((subjectRef) => ({
          subjectRef,
          mode,
          hasAccess: state.isAllowed(mode, subjectRef, nowMs),
          entitlements: state.entitlements(mode, subjectRef),
        })),
      );
    },
    reset: () => {
      state.reset();
      parts.faults.clear();
      parts.log.clear();
      parts.webhooks.clear();
      parts.hub.forget();
      parts.hub.publish('state', { type: null, reset: true });
    },
  };
}
