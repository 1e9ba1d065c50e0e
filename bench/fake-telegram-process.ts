/**
 * The fake Telegram Bot API in a process of its own (the broadcast bench): arrival times are taken by a process
 * that is not busy sending. Prints its URL; on the line "dump" writes what it received as one JSON line.
 */
import { createInterface } from 'node:readline';
import { FakeTelegram } from '../test/helpers/fake-telegram.ts';

const tg = await FakeTelegram.start();
process.stdout.write(`${JSON.stringify({ url: tg.url, token: tg.token })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === 'dump') {
    const sent = tg.sent.map((s) => ({ method: s.method, chatId: s.chatId, at: s.at }));
    process.stdout.write(`${JSON.stringify({ sent, over: tg.overLimits() })}\n`);
  }
}
await tg.stop();
