/**
 * The baseline a Node developer would pick instead: telegraf with `session()` kept in Redis through an
 * ioredis store, answering every text with an echo, each update through `handleUpdate`. Like the pipeline in
 * the bench, the handler returns its reply instead of calling the Bot API (kept per update, checked).
 */
import { Telegraf, session, type Context, type SessionStore } from 'telegraf';
import type { Redis } from 'ioredis';

interface EchoSession {
  count: number;
}

export function telegrafEcho(redis: Redis): (userId: number, text: string) => Promise<void> {
  const store: SessionStore<EchoSession> = {
    get: async (key) => {
      const raw = await redis.get(`tg-session:${key}`);
      return raw ? (JSON.parse(raw) as EchoSession) : undefined;
    },
    set: async (key, value) => void (await redis.set(`tg-session:${key}`, JSON.stringify(value))),
    delete: async (key) => void (await redis.del(`tg-session:${key}`)),
  };
  const replies = new Map<number, string>();
  const bot = new Telegraf<Context & { session?: EchoSession }>('123:bench');
  bot.botInfo = { id: 1, is_bot: true, first_name: 'bench', username: 'bench_bot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false } as typeof bot.botInfo;
  bot.use(session({ store, defaultSession: () => ({ count: 0 }) }));
  bot.on('text', (ctx) => {
    ctx.session = { count: (ctx.session?.count ?? 0) + 1 };
    replies.set(ctx.update.update_id, ctx.message.text);
  });
  let updateId = 0;
  return async (userId, text) => {
    const id = ++updateId;
    await bot.handleUpdate({
      update_id: id,
      message: { message_id: id, date: Math.floor(Date.now() / 1000), chat: { id: userId, type: 'private', first_name: 'm' }, from: { id: userId, is_bot: false, first_name: 'm' }, text },
    });
    if (replies.get(id) !== text) throw new Error('telegraf baseline: no echo');
    replies.delete(id);
  };
}
