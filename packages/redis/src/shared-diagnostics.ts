// The tier's reports on the `licenzy-gate:shared` diagnostics channel: errors, recoveries and link resets.
import diagnostics from 'node:diagnostics_channel';

/** Payload published on the `licenzy-gate:shared` diagnostics channel. */
export interface SharedDiagnostic {
  readonly type: 'error' | 'recovered' | 'reset';
  /** Only the message of what failed (no stack, no cause): safe to log. */
  readonly error?: Error;
  /** The namespace of the binding concerned, when the event concerns one. */
  readonly namespace?: string;
}

/** The name of the diagnostics channel the tier reports on. */
export const SHARED_CHANNEL = 'licenzy-gate:shared';
const channel = diagnostics.channel(SHARED_CHANNEL);

/** Publishes `payload`; free when nobody subscribes. */
export function reportShared(payload: SharedDiagnostic): void {
  if (channel.hasSubscribers) channel.publish(payload);
}
