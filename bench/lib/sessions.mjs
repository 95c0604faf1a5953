// The users of the benchmark apps: bearer token → user id, the same in the load generator and the servers.

/** `count` sessions: `{ token: 'token_<i>', user: 'user_<i>' }`. */
export function sessionTokens(count) {
  return Array.from({ length: count }, (_, i) => ({ token: `token_${i}`, user: `user_${i}` }));
}
