/** The event store's Lua scripts. Each runs atomically in Redis, which is what makes a rush safe. */
import { LuaScript } from '../../src/core/lua.ts';

// Moves heads of the waitlist into free seats (capacity may have grown or a seat was freed).
// Expects: ev = event hash, state, reg, wait, data keys; appends member, record pairs to `out`.
const FILL = `
local function fill(ev, state, reg, wait, data, out)
  if redis.call('HGET', ev, 'status') == 'cancelled' then return end
  local cap = tonumber(redis.call('HGET', ev, 'capacity'))
  while redis.call('ZCARD', reg) < cap do
    local head = redis.call('ZPOPMIN', wait, 1)
    if #head == 0 then break end
    redis.call('ZADD', reg, head[2], head[1])
    redis.call('HSET', state, head[1], 'registered')
    table.insert(out, head[1])
    table.insert(out, redis.call('HGET', data, head[1]) or '')
  end
end
`;

/**
 * KEYS (one event's, one hash tag): event, state, reg, wait, data, seq
 * ARGV: member, nowMs, recordJson, eventId, allowWaitlist(1/0)
 * Returns {outcome, seq, position, registeredCount}: outcome is registered | waitlisted | full |
 * already-registered | already-waitlisted | closed | deadline | cancelled | missing.
 */
export const REGISTER = new LuaScript(`
local ev, state, reg, wait, data, seq = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local member = ARGV[1]
if redis.call('EXISTS', ev) == 0 then return {'missing', 0, 0, 0} end
local status = redis.call('HGET', ev, 'status')
local existing = redis.call('HGET', state, member)
if existing == 'registered' then
  return {'already-registered', tonumber(redis.call('ZSCORE', reg, member)), redis.call('ZRANK', reg, member) + 1, redis.call('ZCARD', reg)}
elseif existing == 'waitlisted' then
  return {'already-waitlisted', tonumber(redis.call('ZSCORE', wait, member)), redis.call('ZRANK', wait, member) + 1, redis.call('ZCARD', reg)}
end
if status == 'cancelled' then return {'cancelled', 0, 0, 0} end
if status ~= 'open' then return {'closed', 0, 0, 0} end
if tonumber(ARGV[2]) > tonumber(redis.call('HGET', ev, 'deadline')) then return {'deadline', 0, 0, 0} end
local cap = tonumber(redis.call('HGET', ev, 'capacity'))
local n = redis.call('ZCARD', reg)
-- A free seat goes to the waitlist's head first, so a newcomer never jumps the queue.
local full = n >= cap or redis.call('ZCARD', wait) > 0
if full and ARGV[5] ~= '1' then return {'full', 0, redis.call('ZCARD', wait), n} end
local s = redis.call('INCR', seq)
redis.call('HSET', data, member, ARGV[3])
if full then
  redis.call('ZADD', wait, s, member)
  redis.call('HSET', state, member, 'waitlisted')
  return {'waitlisted', s, redis.call('ZCARD', wait), n}
end
redis.call('ZADD', reg, s, member)
redis.call('HSET', state, member, 'registered')
return {'registered', s, n + 1, n + 1}
`);

/**
 * KEYS (one event's, one hash tag): event, state, reg, wait, data, checkin
 * ARGV: member, eventId
 * Returns {outcome, promotedMember1, record1, ...}: outcome is cancelled | left-waitlist | none.
 */
export const CANCEL = new LuaScript(`${FILL}
local ev, state, reg, wait, data, checkin = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local member = ARGV[1]
local st = redis.call('HGET', state, member)
if not st then return {'none'} end
redis.call('HDEL', state, member)
redis.call('HDEL', data, member)
redis.call('HDEL', checkin, member)
if st == 'waitlisted' then
  redis.call('ZREM', wait, member)
  return {'left-waitlist'}
end
redis.call('ZREM', reg, member)
local out = {'cancelled'}
fill(ev, state, reg, wait, data, out)
return out
`);

/**
 * KEYS: event, state, reg, wait, data
 * ARGV: newCapacity
 * Returns {'ok', promotedMember1, record1, ...} or {'missing'}.
 */
export const SET_CAPACITY = new LuaScript(`${FILL}
local ev, state, reg, wait, data = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
if redis.call('EXISTS', ev) == 0 then return {'missing'} end
redis.call('HSET', ev, 'capacity', ARGV[1])
local out = {'ok'}
fill(ev, state, reg, wait, data, out)
return out
`);

/** KEYS: event; ARGV: fromStatus, toStatus, field, value. Returns the status before (or 'missing'). */
export const TRANSITION = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
local st = redis.call('HGET', KEYS[1], 'status')
if st == ARGV[1] then
  redis.call('HSET', KEYS[1], 'status', ARGV[2])
  if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], ARGV[3], ARGV[4]) end
end
return st
`);

/** KEYS: state, checkin; ARGV: member, nowMs. Returns {'ok'|'already'|'not-registered', atMs}. */
export const CHECKIN = new LuaScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) ~= 'registered' then return {'not-registered', 0} end
if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 1 then return {'ok', tonumber(ARGV[2])} end
return {'already', tonumber(redis.call('HGET', KEYS[2], ARGV[1]))}
`);

/**
 * Claims due reminder items for one worker: items whose lease expired (a worker died) go back to
 * the due set first. KEYS: due, processing; ARGV: nowMs, leaseMs, limit. Returns the claimed items.
 */
export const CLAIM_DUE = new LuaScript(`
local due, processing = KEYS[1], KEYS[2]
local now, lease, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local expired = redis.call('ZRANGEBYSCORE', processing, '-inf', now, 'LIMIT', 0, limit)
for _, item in ipairs(expired) do
  redis.call('ZREM', processing, item)
  redis.call('ZADD', due, 'NX', now, item)
end
local items = redis.call('ZRANGEBYSCORE', due, '-inf', now, 'LIMIT', 0, limit)
for _, item in ipairs(items) do
  redis.call('ZREM', due, item)
  redis.call('ZADD', processing, now + lease, item)
end
return items
`);
