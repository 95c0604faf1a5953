// The instruments: created on a meter (again whenever the meter provider changes), with attribute sets built once.
import { ValueType, type Attributes, type BatchObservableCallback, type BatchObservableResult, type Counter, type Histogram, type Meter, type ObservableCounter, type ObservableGauge } from '@opentelemetry/api';
import type { CircuitState } from '@licenzy-gate/core';
import type { GateSnapshot } from './gate-registry.js';
import { ATTR, METRIC } from './names.js';

/**
 * Bucket boundaries of `licenzy.client.request.duration`, in seconds: the HTTP semantic conventions' advice,
 * with 2 s (the client's default per-attempt timeout) and 5 s (its default total budget) as the last bounds.
 * Given as instrument advice: a view of your own still wins.
 *
 * @example
 * // Finer buckets for a Licenzy in the same data centre
 * new MeterProvider({ views: [{ instrumentName: 'licenzy.client.request.duration', aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [0.001, 0.0025, ...DURATION_BUCKETS] } } }] })
 */
export const DURATION_BUCKETS: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2, 5]);

const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'half-open', 'open'];

export interface GateInstruments {
  readonly clientDuration: Histogram;
  readonly circuitTransitions: Counter;
  readonly invalidations: Counter;
  readonly sharedEvents: Counter;
  readonly wouldRefuse: Counter;
  /** Unregisters the gauges' callback from the meter (before the instruments are replaced). */
  detach(): void;
}

/** What the asynchronous instruments read at each collection (nothing while the instrumentation is disabled). */
export interface Observed {
  gates(): readonly GateSnapshot[];
  decisions(): DecisionTally | undefined;
}

/** Creates every instrument on `meter`; the asynchronous ones read `observed` at each collection. */
export function createInstruments(meter: Meter, observed: Observed): GateInstruments {
  // Asynchronous: the hit path increments a plain number (a few ns) instead of a synchronous counter's add(),
  // which hashes the attribute set on every call (~1 µs with sdk-metrics 2.x); the SDK reads the totals per collection.
  const decisions: ObservableCounter = meter.createObservableCounter(METRIC.decisions, {
    description: 'Access decisions made by licenzy-gate, by where the decision came from',
    unit: '{decision}',
    valueType: ValueType.INT,
  });
  const clientDuration = meter.createHistogram(METRIC.clientDuration, {
    description: 'Duration of each HTTP attempt to Licenzy',
    unit: 's',
    advice: { explicitBucketBoundaries: [...DURATION_BUCKETS] },
  });
  const circuitTransitions = meter.createCounter(METRIC.circuitTransitions, {
    description: 'Transitions of the gate circuit breaker, by the state entered',
    unit: '{transition}',
    valueType: ValueType.INT,
  });
  const invalidations = meter.createCounter(METRIC.invalidations, {
    description: 'Decisions forgotten by invalidate()/clear(), a broadcast from another instance or a webhook',
    unit: '{invalidation}',
    valueType: ValueType.INT,
  });
  const sharedEvents = meter.createCounter(METRIC.sharedEvents, {
    description: 'Errors, recoveries and resets of the shared decision tier (e.g. Redis)',
    unit: '{event}',
    valueType: ValueType.INT,
  });
  const wouldRefuse = meter.createCounter(METRIC.wouldRefuse, {
    description: 'Requests a report-only route served that enforcement would have refused, by route pattern, method and problem code',
    unit: '{request}',
    valueType: ValueType.INT,
  });
  const cacheEntries: ObservableGauge = meter.createObservableGauge(METRIC.cacheEntries, {
    description: 'Decisions held in the in-process cache of the gates seen so far',
    unit: '{entry}',
    valueType: ValueType.INT,
  });
  const circuitState: ObservableGauge = meter.createObservableGauge(METRIC.circuitState, {
    description: 'Gates whose circuit breaker is in each state (closed, half-open, open)',
    unit: '{gate}',
    valueType: ValueType.INT,
  });

  const callback: BatchObservableCallback = (result) => {
    observed.decisions()?.observe(result, decisions);
    // Summed per mode: gates carry no identity of their own worth an attribute (and must carry no subject).
    const byMode = new Map<string, { size: number } & Record<CircuitState, number>>();
    for (const gate of observed.gates()) {
      let totals = byMode.get(gate.mode);
      if (totals === undefined) {
        totals = { size: 0, closed: 0, 'half-open': 0, open: 0 };
        byMode.set(gate.mode, totals);
      }
      totals.size += gate.size;
      if (gate.circuit in totals) totals[gate.circuit]++;
    }
    for (const [mode, totals] of byMode) {
      result.observe(cacheEntries, totals.size, { [ATTR.mode]: mode });
      // Every state is reported, 0 included, so "open > 0" alerts see a series before the first opening.
      for (const state of CIRCUIT_STATES) result.observe(circuitState, totals[state], { [ATTR.mode]: mode, [ATTR.circuitState]: state });
    }
  };
  meter.addBatchObservableCallback(callback, [decisions, cacheEntries, circuitState]);

  return {
    clientDuration,
    circuitTransitions,
    invalidations,
    sharedEvents,
    wouldRefuse,
    detach: () => meter.removeBatchObservableCallback(callback, [decisions, cacheEntries, circuitState]),
  };
}

/**
 * Attribute sets keyed by their (few) values, built once: the hit path then adds to a counter without
 * allocating. The key space is bounded by the values the instrumentation itself produces.
 */
export class AttributeCache {
  private readonly sets = new Map<string, Attributes>();

  get(key: string, build: () => Attributes): Attributes {
    let attributes = this.sets.get(key);
    if (attributes === undefined) {
      attributes = Object.freeze(build());
      this.sets.set(key, attributes);
    }
    return attributes;
  }
}

interface Tally {
  readonly attributes: Attributes;
  count: number;
}

/**
 * Running totals of `licenzy.gate.decisions` per attribute set. A gate's result (licenzy, cache, stale) is found
 * through two Map lookups on interned strings and a boolean, allocating nothing; errors and fail-opens (rare) by key.
 */
export class DecisionTally {
  private readonly results = new Map<string, Map<string, [Tally | undefined, Tally | undefined]>>();
  private readonly others = new Map<string, Tally>();
  private readonly all: Tally[] = [];

  /** One decision the gate answered (`allowed` true or false), from `source` in `mode`. Allocates only the first time. */
  countResult(mode: string, source: string, allowed: boolean): void {
    let bySource = this.results.get(mode);
    if (bySource === undefined) this.results.set(mode, (bySource = new Map()));
    let pair = bySource.get(source);
    if (pair === undefined) bySource.set(source, (pair = [undefined, undefined]));
    const index = allowed ? 1 : 0;
    let tally = pair[index];
    if (tally === undefined) pair[index] = tally = this.create({ [ATTR.source]: source, [ATTR.allowed]: allowed, [ATTR.mode]: mode });
    tally.count++;
  }

  /** Any other decision, by a key that identifies its attribute set. */
  countOther(key: string, attributes: () => Attributes): void {
    let tally = this.others.get(key);
    if (tally === undefined) this.others.set(key, (tally = this.create(attributes())));
    tally.count++;
  }

  observe(result: BatchObservableResult, counter: ObservableCounter): void {
    for (const { attributes, count } of this.all) result.observe(counter, count, attributes);
  }

  private create(attributes: Attributes): Tally {
    const tally = { attributes: Object.freeze(attributes), count: 0 };
    this.all.push(tally);
    return tally;
  }
}
