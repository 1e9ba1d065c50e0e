/**
 * The HTTP bench's baseline, in a process of its own: what the machine allows for one durable Redis write per
 * message. Fastify answers POST /api/web/messages with an echo after one script that marks the message id
 * (answered once) and appends the text to the member's capped history, so each answer waits for the AOF's
 * fsync as the bot's do; no understanding, no session. REDIS_URL, PORT; prints "listening" when ready.
 */
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { z } from 'zod';

const MARK_AND_APPEND = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', 3600) then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], -20, -1)
redis.call('EXPIRE', KEYS[2], 86400)
return 1`;

const body = z.object({ userId: z.string().min(1).max(128), text: z.string().max(20000), messageId: z.string().min(1).max(128) });

const redis = new Redis(process.env.REDIS_URL ?? '', { maxRetriesPerRequest: 1 });
const sha = String(await redis.script('LOAD', MARK_AND_APPEND));
const app = Fastify();
app.post('/api/web/messages', async (req, reply) => {
  const parsed = body.safeParse(req.body);
  if (!parsed.success) return reply.code(400).send({ error: 'bad message' });
  const { userId, text, messageId } = parsed.data;
  // One hash slot per member, as the bot keeps its keys.
  const fresh = await redis.evalsha(sha, 2, `baseline:{${userId}}:seen:${messageId}`, `baseline:{${userId}}:history`, text);
  return fresh ? { replies: [{ text }] } : { replies: [], dropped: 'duplicate' };
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.stdout.write('listening\n');
process.on('SIGTERM', () => void app.close().then(() => redis.quit()).finally(() => process.exit(0)));
