// What a refusal hook threw, as the Error Fastify is handed.

/** `done` only ever gets an Error from us: a falsy argument (a hook throwing `undefined`) would run the handler. */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error('licenzy-gate: a refusal hook failed', { cause: thrown });
}
