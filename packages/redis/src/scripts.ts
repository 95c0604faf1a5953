// The Lua scripts of the Redis tier: each operation is one atomic round trip, so an invalidation can never interleave.

/**
 * KEYS: epoch, version, entry. Returns `{ epoch, version, entry | nil, pttl, now }`: the write token, the entry with
 * its remaining lifetime as Redis itself counts it, and Redis's time in ms (no clock of ours is involved).
 */
export const READ = `
local epoch = redis.call('GET', KEYS[1]) or '0'
local version = redis.call('GET', KEYS[2]) or '0'
local time = redis.call('TIME')
local now = tostring(tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))
local entry = redis.call('GET', KEYS[3])
if not entry then return { epoch, version, false, -2, now } end
return { epoch, version, entry, redis.call('PTTL', KEYS[3]), now }
`;

/**
 * KEYS: epoch, version, entry. ARGV: token epoch, token version, entry, px, channel, message ('' = no publish).
 * Writes only when neither the scope was cleared nor the subject invalidated since the token was read: an answer
 * fetched before an invalidation is never stored after it, whichever instance fetched it. Returns 1 (written), 0 (the
 * subject was invalidated since) or 2 (only the scope was cleared since).
 */
export const WRITE = `
local epoch = redis.call('GET', KEYS[1]) or '0'
local version = redis.call('GET', KEYS[2]) or '0'
if version ~= ARGV[2] then return 0 end
if epoch ~= ARGV[1] then return 2 end
redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[4])
if ARGV[6] ~= '' then redis.call('PUBLISH', ARGV[5], ARGV[6]) end
return 1
`;

/**
 * KEYS: version, entry. ARGV: version expiry (ms), channel, message. Bumps the version (so tokens read before fail),
 * deletes the entry and tells every instance.
 */
export const INVALIDATE = `
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
`;

/**
 * KEYS: epoch. ARGV: channel, message. Bumps the scope's epoch: every entry is bound to the epoch it was written in,
 * so all older entries become unreadable at once and expire on their own (no SCAN over the keyspace).
 */
export const CLEAR = `
redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1
`;

/**
 * The cluster's READ: KEYS version, entry (one slot, the subject's hash tag). Returns `{ version, entry | nil, pttl,
 * now }`; the epoch, in another slot, is read after it (scope-binding.ts says why that order is safe).
 */
export const READ_SUBJECT = `
local version = redis.call('GET', KEYS[1]) or '0'
local time = redis.call('TIME')
local now = tostring(tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000))
local entry = redis.call('GET', KEYS[2])
if not entry then return { version, false, -2, now } end
return { version, entry, redis.call('PTTL', KEYS[2]), now }
`;

/**
 * The cluster's WRITE: KEYS version, entry. ARGV: token version, entry, px, channel, message ('' = no publish).
 * Returns 1 (written) or 0 (the subject was invalidated since the token). The epoch is checked after it.
 */
export const WRITE_SUBJECT = `
local version = redis.call('GET', KEYS[1]) or '0'
if version ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
if ARGV[5] ~= '' then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
return 1
`;
