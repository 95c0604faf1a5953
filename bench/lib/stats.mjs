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
