// The API keys the suites use, and a sink that keeps every log line, response and error so they can be scanned for them.
import type { GateLogger } from '@licenzy-gate/core';

/** Distinctive keys: the part after the mode prefix is the secret, and must appear nowhere but the wire to Licenzy. */
export const TEST_KEY = 'lz_test_RELIABILITY_sk_7f3c9a41d2e8b6';
export const LIVE_KEY = 'lz_live_RELIABILITY_sk_0b5e27c1f9a4d3';
export const MOCK_KEYS = [TEST_KEY, LIVE_KEY];
const SECRETS = [TEST_KEY, LIVE_KEY].map((key) => key.slice('lz_test_'.length));

/** Everything an error could show: message, stack, JSON, own properties and its cause chain. */
export function dumpError(error: unknown, depth = 0): string {
  if (depth > 5 || error === null || error === undefined) return String(error);
  if (typeof error !== 'object') return String(error);
  const e = error as Error & { cause?: unknown };
  let json = '';
  try {
    json = JSON.stringify(error, Object.getOwnPropertyNames(error));
  } catch {
    json = '<unserialisable>';
  }
  return [String(e), e.message, e.stack, json, 'cause' in e ? dumpError(e.cause, depth + 1) : ''].join('\n');
}

/** Collects text from logs, responses and errors; `leaks()` lists the secrets found in it. */
export class SecretScan {
  private readonly texts: string[] = [];
  /** Number of items scanned, to show the scan was not vacuous. */
  get scanned(): number {
    return this.texts.length;
  }

  add(label: string, text: string): void {
    this.texts.push(`${label}: ${text}`);
  }

  addError(label: string, error: unknown): void {
    this.add(label, dumpError(error));
  }

  /** A gate logger that records into the scan (and keeps the test output quiet). */
  logger(lines: string[] = []): GateLogger & { lines: string[] } {
    const keep = (level: string) => (message: string, details?: Record<string, unknown>) => {
      const line = `${level} ${message} ${safeJson(details)}`;
      lines.push(line);
      this.add('log', line);
    };
    return { lines, warn: keep('warn'), error: keep('error') };
  }

  /** Secrets found, with the label of where (empty when clean). */
  leaks(): string[] {
    return this.texts.filter((text) => SECRETS.some((secret) => text.includes(secret))).map((text) => text.slice(0, 200));
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (v instanceof Error ? dumpError(v) : v)) ?? '';
  } catch {
    return String(value);
  }
}
