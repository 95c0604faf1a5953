// Small statistics and formatting helpers shared by the benchmarks.

export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile (`p` in 0–100) of unsorted values. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/**
 * `draw(k)`: a whole number in 0…k − 1 from a seeded generator (Park–Miller, multiplier 48271), so that what the
 * benchmarks draw (orders, bootstrap samples) is the same in every run.
 */
export function seededDraw(seed) {
  let state = seed;
  return (k) => {
    state = (state * 48271) % 2147483647;
    return state % k;
  };
}

/**
 * The median of values that come in groups within groups (benchmark 1: cycle ratios, by visit, by server process), with
 * a 95% interval from a two-level bootstrap: `draws` times, draw as many groups as there are, with replacement, and from
 * each drawn group as many of its subgroups as it has, with replacement; the interval is the middle 95% of those draws'
 * medians (fixed seed: the same data always gives the same interval). Two levels, because two apps of one process
 * differ by that process's luck (where its code and objects landed) as well as by slice noise, and an interval drawn over
 * the values alone would leave the first out (issue 25, session 10).
 */
export function nestedMedianInterval(groups, draws = 1000) {
  const nonEmpty = groups.map((subgroups) => subgroups.filter((values) => values.length > 0)).filter((subgroups) => subgroups.length > 0);
  if (nonEmpty.length === 0) return { median: NaN, low: NaN, high: NaN };
  const draw = seededDraw(12345);
  const medians = [];
  for (let i = 0; i < draws; i++) {
    const sample = [];
    for (let g = 0; g < nonEmpty.length; g++) {
      const subgroups = nonEmpty[draw(nonEmpty.length)];
      for (let k = 0; k < subgroups.length; k++) sample.push(...subgroups[draw(subgroups.length)]);
    }
    medians.push(median(sample));
  }
  medians.sort((a, b) => a - b);
  return { median: median(nonEmpty.flat(2)), low: medians[Math.floor(draws * 0.025)], high: medians[Math.ceil(draws * 0.975) - 1] };
}

export const fmt = {
  int: (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—'),
  ms: (n) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms` : '—'),
  us: (n) => (Number.isFinite(n) ? `${n.toFixed(1)} µs` : '—'),
  ns: (n) => (Number.isFinite(n) ? `${n.toFixed(1)} ns` : '—'),
  ratio: (n) => (Number.isFinite(n) ? n.toFixed(3) : '—'),
  bytes: (n) => (Number.isFinite(n) ? `${Math.round(n).toLocaleString('en-US')} B` : '—'),
  mib: (n) => (Number.isFinite(n) ? `${(n / 1024 / 1024).toFixed(1)} MiB` : '—'),
};

/** `true`/`false` → the status cell of a figure against its target; `undefined` when there is no target. */
export function verdict(met) {
  if (met === undefined) return 'info';
  return met ? 'met' : 'MISSED';
}
