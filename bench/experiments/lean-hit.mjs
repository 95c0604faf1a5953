// Ad-hoc (issue 25): `lean`, the least a cache hit with the gate's features does, as a bound on what any rewrite of the
// hit path could gain: a `Map` from subject to an entry holding the decision with its stamp and expiry in whole ms, a
// clock reading in a module variable (taken every 10 ms by a timer, started by the first lean cache), a hit counter and
// the three trace channels asked. No recency list, no guard, no adapter, no request property. Used by the `lean` app
// variant (bench/children/app.mjs) and by opt-code-size.mjs.
import { tracingChannel } from 'node:diagnostics_channel';

class LeanEntry {
  constructor(decision, at, until) {
    this.decision = decision;
    this.at = at;
    this.until = until;
  }
}

const traced = tracingChannel('lean-experiment');
const channels = [traced.start, traced.end, traced.error];
const counters = { hits: 0 };
let reading = Math.floor(performance.now());
let timer;

/** A lean hit function over `decisions` (subject → decision), each served for an hour from now. */
export function createLeanPeek(decisions) {
  timer ??= setInterval(() => {
    reading = Math.floor(performance.now());
  }, 10).unref();
  const entries = new Map([...decisions].map(([subjectRef, decision]) => [subjectRef, new LeanEntry(decision, reading, reading + 3_600_000)]));
  return function leanPeek(subjectRef) {
    const entry = entries.get(subjectRef);
    const t = reading + 10;
    if (entry === undefined || !(t < entry.until && t >= entry.at)) return undefined;
    counters.hits++;
    if (channels[0].hasSubscribers || channels[1].hasSubscribers || channels[2].hasSubscribers) return undefined;
    return entry.decision;
  };
}
