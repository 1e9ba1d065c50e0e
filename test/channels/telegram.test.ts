/**
 * Telegram channel against a fake Bot API server, with the real engine, real Redis and startChannels().
 */
import { CORE_TEXT } from '../../src/core/texts.ts';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELP_TEXT } from '../../intents/help/texts.ts';
import { mapUpdate, splitText, choiceKeyboard } from '../../src/channels/telegram/map.ts';
import { updateSchema } from '../../src/channels/telegram/schema.ts';
import { startTelegramHarness, WEBHOOK_PATH, WEBHOOK_SECRET, type TelegramHarness } from '../helpers/telegram-harness.ts';

type Json = Record<string, unknown>;
const fixture = (name: string): Json => JSON.parse(readFileSync(new URL(`../fixtures/telegram/${name}.json`, import.meta.url), 'utf8')) as Json;
const nowSec = () => Math.floor(Date.now() / 1000);
/** A fixture with a fresh date and ids, so dedup and staleness see a new message. */
function fresh(name: string, patch: { messageId?: number; updateId?: number } = {}): Json {
  const u = fixture(name);
  const message = u.message as Json | undefined;
  if (message) {
    message.date = nowSec();
    message.message_id = patch.messageId ?? Math.floor(Math.random() * 1e9);
  }
  if (patch.updateId === undefined) delete u.update_id;
  else u.update_id = patch.updateId;
  return u;
}
const BOT = { id: 123456, username: 'union_helper_bot' };

describe('telegram mapping (pure)', () => {
  it('maps a private text message', () => {
    const m = mapUpdate(updateSchema.parse(fixture('private-text')), BOT, 0);
    expect(m?.msg).toMatchObject({
      platform: 'telegram', chatId: '555001', chatType: 'private', senderId: '555001', senderName: '王 芳',
      text: '菜单', mentionsBot: false, repliesToBot: false, fromSelf: false, messageId: '555001:51', sentAt: 1735689600_000,
    });
    expect(m?.quoteMessageId).toBeUndefined();
  });

  it('maps a supergroup mention, strips it, and quotes the asker', () => {
    const m = mapUpdate(updateSchema.parse(fixture('group-mention')), BOT, 0);
    expect(m?.msg).toMatchObject({ chatType: 'group', chatId: '-1001987654321', text: '菜单', mentionsBot: true, senderName: '李 强' });
    expect(m?.quoteMessageId).toBe(812);
  });

  it('recognises text_mention of the bot, /cmd@bot, replies to the bot; ignores other mentions', () => {
    const base = fixture('group-chatter');
    const msg = base.message as Json;
    const withEntities = (text: string, entities: unknown[], extra: Json = {}) =>
      mapUpdate(updateSchema.parse({ ...base, message: { ...msg, text, entities, ...extra } }), BOT, 0)!.msg;
    expect(withEntities('小助手 你好', [{ type: 'text_mention', offset: 0, length: 3, user: { id: BOT.id, is_bot: true, first_name: '小助手' } }])).toMatchObject({ mentionsBot: true, text: '你好' });
    expect(withEntities('/help@union_helper_bot', [{ type: 'bot_command', offset: 0, length: 22 }]).mentionsBot).toBe(true);
    expect(withEntities('/help@other_bot', [{ type: 'bot_command', offset: 0, length: 15 }]).mentionsBot).toBe(false);
    expect(withEntities('@someone_else 你好', [{ type: 'mention', offset: 0, length: 13 }])).toMatchObject({ mentionsBot: false, text: '@someone_else 你好' });
    expect(withEntities('好的', [], { reply_to_message: { message_id: 5, from: { id: BOT.id, is_bot: true, first_name: 'b' } } }).repliesToBot).toBe(true);
    // An entity pointing past the end of the text is ignored, not trusted.
    expect(withEntities('hi', [{ type: 'mention', offset: 0, length: 40 }]).mentionsBot).toBe(false);
  });

  it('picks the largest photo and keeps document names', () => {
    const photo = mapUpdate(updateSchema.parse(fixture('photo')), BOT, 0)!;
    expect(photo.files).toEqual([{ fileId: 'AgACAgUAAxkBAAlarge', name: 'photo-53.jpg', mimeType: 'image/jpeg', size: 90211 }]);
    expect(photo.msg.text).toBe('这是诊断证明');
    const doc = mapUpdate(updateSchema.parse(fixture('document-caption')), BOT, 0)!;
    expect(doc.files).toEqual([{ fileId: 'BQACAgUAAxkBAAIBQ2Z', name: '住院发票.pdf', mimeType: 'application/pdf', size: 48213 }]);
  });

  it('maps a button press to the choice number as text', () => {
    const m = mapUpdate(updateSchema.parse(fixture('callback-query')), BOT, 42)!;
    expect(m.callbackQueryId).toBe('4382bfdwdsb323b2d9');
    expect(m.msg).toMatchObject({ text: '1', chatId: '555006', repliesToBot: true, sentAt: 42, messageId: 'cb:4382bfdwdsb323b2d9' });
  });

  it('rejects malformed updates and ignores channels', () => {
    expect(updateSchema.safeParse(fixture('malformed')).success).toBe(false);
    const channel = fixture('group-chatter');
    (channel.message as Json).chat = { id: -100777, type: 'channel', title: 'news' };
    expect(mapUpdate(updateSchema.parse(channel), BOT, 0)).toBeNull();
  });

  it('splits long texts at 4096 and builds choice buttons', () => {
    const long = `${'甲'.repeat(3000)}\n${'乙'.repeat(3000)}`;
    const parts = splitText(long);
    expect(parts).toEqual(['甲'.repeat(3000), '乙'.repeat(3000)]);
    const noBreaks = 'x'.repeat(9000);
    expect(splitText(noBreaks).map((p) => p.length)).toEqual([4096, 4096, 808]);
    const emoji = '😀'.repeat(3000); // surrogate pairs must not be cut in half
    expect(splitText(emoji).every((p) => p.length <= 4096 && !/[\uD800-\uDBFF]$/.test(p))).toBe(true);
    expect(splitText(emoji).join('')).toBe(emoji);
    expect(choiceKeyboard(['住院互助', '重病互助'])?.inline_keyboard).toEqual([[{ text: '1. 住院互助', callback_data: '1' }], [{ text: '2. 重病互助', callback_data: '2' }]]);
  });
});

describe('telegram channel, long polling', () => {
  let h: TelegramHarness;
  beforeAll(async () => {
    h = await startTelegramHarness();
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('starts: deletes the webhook, polls, reports status', () => {
    expect(h.tg.calls.some((c) => c.method === 'deleteWebhook')).toBe(true);
    expect(h.channel.status()).toMatchObject({ state: 'running', mode: 'polling', username: h.tg.bot.username });
  });

  it('answers 菜单 and 帮助 in a private chat with the menu', async () => {
    expect(await h.say(1001, '菜单')).toEqual([HELP_TEXT.menu]);
    expect(await h.say(1001, '帮助')).toEqual([HELP_TEXT.menu]);
  });

  it('answers a recorded private update', async () => {
    const before = h.tg.sent.length;
    await h.push(fresh('private-text'));
    expect(h.tg.sent.slice(before).map((s) => [s.chatId, s.text])).toEqual([['555001', HELP_TEXT.menu]]);
  });

  it('opens a handoff ticket on 转人工', async () => {
    const [reply] = await h.say(1002, '转人工');
    expect(reply).toContain('工单号');
  });

  it('ignores group chatter without a mention', async () => {
    const before = h.tg.sent.length;
    expect(await h.say(1003, '菜单', { group: true })).toEqual([]);
    await h.push(fresh('group-chatter'));
    expect(h.tg.sent.length).toBe(before);
  });

  it('answers a group @mention, quoting the asker', async () => {
    const before = h.tg.sent.length;
    expect(await h.say(1004, '菜单', { group: true, mention: true })).toEqual([HELP_TEXT.menu]);
    const update = fresh('group-mention', { messageId: 4242 });
    const sent = await h.push(update);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ chatId: '-1001987654321', text: HELP_TEXT.menu, replyToMessageId: 4242 });
    expect(h.tg.sent.slice(before).every((s) => s.replyToMessageId !== undefined)).toBe(true);
  });

  it('answers a group reply to one of its messages without a mention', async () => {
    const [menu] = await h.say(1010, '菜单', { group: true, mention: true });
    expect(menu).toBe(HELP_TEXT.menu);
    const last = h.tg.sent.at(-1)!;
    expect(await h.say(1010, '帮助', { group: true, replyToBotMessageId: last.messageId })).toEqual([HELP_TEXT.menu]);
  });

  it('ignores its own messages', async () => {
    const update = h.tg.message({ from: { id: h.tg.bot.id, is_bot: true, first_name: '工会小助手' }, chat: { id: 1005, type: 'private' }, text: '菜单' });
    expect(await h.push(update)).toEqual([]);
  });

  it('ignores a stale update', async () => {
    expect(await h.say(1006, '菜单', { date: nowSec() - 3600 })).toEqual([]);
  });

  it('answers a duplicate delivery once (same update twice in one batch); a redelivery of the completed message gets the same reply again', async () => {
    const update = fresh('private-text', { messageId: 777, updateId: 990001 });
    (update.message as Json).chat = { id: 1007, type: 'private' };
    (update.message as Json).from = { id: 1007, is_bot: false, first_name: '重' };
    const before = h.tg.sent.length;
    // Both queued before the bot polls: delivered in one batch, handled concurrently.
    const handled = new Promise<void>((resolve) => {
      let n = 0;
      const off = h.channel.onHandled(() => {
        if (++n === 2) {
          off();
          resolve();
        }
      });
    });
    h.tg.pushUpdate(update);
    h.tg.pushUpdate({ ...update, update_id: 990002 });
    await handled;
    const first = h.tg.sent.slice(before).filter((s) => s.chatId === '1007');
    expect(first).toHaveLength(1);
    // Later redelivery of the same message (the bot died before Telegram learnt it was handled): the
    // member may never have seen the answer, so it is sent again — the same answer, no second turn.
    await h.push({ ...update, update_id: 990003 });
    const all = h.tg.sent.slice(before).filter((s) => s.chatId === '1007');
    expect(all.map((s) => s.text)).toEqual([first[0]?.text, first[0]?.text]);
  });

  it('drops a malformed update and keeps serving', async () => {
    const { update_id: _ignored, ...malformed } = fixture('malformed');
    expect(await h.push(malformed)).toEqual([]);
    expect(await h.say(1008, '菜单')).toEqual([HELP_TEXT.menu]);
  });

  it('downloads a document (caption is the text) and tells the member when a file is too big', async () => {
    const pdf = Buffer.from('%PDF-1.4 test invoice');
    expect(await h.sendFile(1009, { name: '住院发票.pdf', data: pdf, mimeType: 'application/pdf', caption: '菜单' })).toEqual([HELP_TEXT.menu]);
    expect(h.tg.calls.filter((c) => c.method === 'getFile')).toHaveLength(1);

    const big = Buffer.alloc(10 * 1024 * 1024 + 1, 1);
    const replies = await h.sendFile(1011, { name: 'big.pdf', data: big, mimeType: 'application/pdf', caption: '菜单' });
    expect(replies).toEqual([HELP_TEXT.menu, CORE_TEXT.fileTooBig]);
    // The announced size is over the cap: no getFile, no download.
    expect(h.tg.calls.filter((c) => c.method === 'getFile')).toHaveLength(1);
  });

  it('does not download files from group chatter', async () => {
    const calls = h.tg.calls.filter((c) => c.method === 'getFile').length;
    expect(await h.sendFile(1012, { name: 'x.jpg', data: Buffer.from('jpg'), photo: true, caption: '看看' }, { group: true })).toEqual([]);
    expect(h.tg.calls.filter((c) => c.method === 'getFile')).toHaveLength(calls);
  });

  it('answers a button press and acknowledges the callback', async () => {
    const replies = await h.press(1013, '1');
    expect(h.tg.calls.some((c) => c.method === 'answerCallbackQuery')).toBe(true);
    expect(replies.length).toBeGreaterThan(0); // "1" outside a form: whatever the router says, the member hears back
  });

  it('sends outbox notifications, mentioning the member in a group', async () => {
    await h.engine.outbox.notify({ platform: 'telegram', chatId: '2001', chatType: 'private' }, [{ text: '您的互助申请已通过。' }]);
    const dm = await h.tg.waitForSent((s) => s.chatId === '2001');
    expect(dm.text).toBe('您的互助申请已通过。');

    await h.engine.outbox.notify({ platform: 'telegram', chatId: '-100555', chatType: 'group', mentionUserId: '2002', mentionName: '李强' }, [{ text: '活动改到周六。', choices: ['参加', '不参加'] }]);
    const group = await h.tg.waitForSent((s) => s.chatId === '-100555');
    expect(group.text).toBe('李强 活动改到周六。\n1. 参加\n2. 不参加');
    expect(group.entities).toEqual([{ type: 'text_mention', offset: 0, length: 2, user: { id: 2002, is_bot: false, first_name: '李强' } }]);
    expect(group.replyMarkup).toEqual({ inline_keyboard: [[{ text: '1. 参加', callback_data: '1' }], [{ text: '2. 不参加', callback_data: '2' }]] });
  });

  it('sends files with sendDocument and splits long texts', async () => {
    await h.engine.outbox.notify({ platform: 'telegram', chatId: '2003', chatType: 'private' }, [
      { text: '名单见附件' },
      { file: { name: '报名名单.csv', mimeType: 'text/csv', data: Buffer.from('姓名,部门\n张三,一车间\n') } },
      { text: '长'.repeat(5000) },
    ]);
    const doc = await h.tg.waitForSent((s) => s.chatId === '2003' && s.method === 'sendDocument');
    expect(doc.document).toMatchObject({ filename: '报名名单.csv' });
    expect(doc.document?.data.toString()).toBe('姓名,部门\n张三,一车间\n');
    await h.tg.waitForSent((s) => s.chatId === '2003' && s.text === '长'.repeat(904));
    expect(h.tg.sent.filter((s) => s.chatId === '2003').map((s) => s.text?.length ?? 'file')).toEqual([5, 'file', 4096, 904]);
  });

  it('shows its state on /api/status', async () => {
    const status = (await (await fetch(`${h.app.url}/api/status`)).json()) as Record<string, Record<string, unknown>>;
    expect(status.telegram).toMatchObject({ state: 'running', mode: 'polling', username: h.tg.bot.username });
  });

  it('waits out flood control (429 retry_after) and still delivers', async () => {
    h.tg.failNext('sendMessage', 429, 'Too Many Requests: retry after 1', 1);
    const t0 = Date.now();
    expect(await h.say(1020, '菜单')).toEqual([HELP_TEXT.menu]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('recovers when polling fails (409 conflict) by relaunching after a backoff', async () => {
    h.tg.failNext('getUpdates', 409, 'Conflict: terminated by other getUpdates request');
    await expect.poll(() => h.channel.status().restarts, { timeout: 8000, interval: 50 }).toBe(1);
    await h.channel.ready();
    expect(await h.say(1021, '菜单')).toEqual([HELP_TEXT.menu]);
  }, 15_000);

  it('paces notifications to one group at least 1 s apart (Telegram: 1/s per chat, 20/min per group)', async () => {
    await h.engine.outbox.notify({ platform: 'telegram', chatId: '-100600', chatType: 'group' }, [{ text: '通知一' }]);
    await h.engine.outbox.notify({ platform: 'telegram', chatId: '-100600', chatType: 'group' }, [{ text: '通知二' }]);
    const first = await h.tg.waitForSent((s) => s.chatId === '-100600' && s.text === '通知一');
    const second = await h.tg.waitForSent((s) => s.chatId === '-100600' && s.text === '通知二', 8000);
    expect(second.at - first.at).toBeGreaterThanOrEqual(990);
  }, 15_000);
});

describe('telegram channel, webhook', () => {
  let h: TelegramHarness;
  beforeAll(async () => {
    h = await startTelegramHarness({ mode: 'webhook' });
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('sets the webhook with the secret token', () => {
    expect(h.tg.webhook).toEqual({ url: `https://bot.example.org${WEBHOOK_PATH}`, secret_token: WEBHOOK_SECRET });
    expect(h.channel.status()).toMatchObject({ state: 'running', mode: 'webhook' });
  });

  it('processes an update posted with the right secret', async () => {
    expect(await h.say(3001, '菜单')).toEqual([HELP_TEXT.menu]);
  });

  it('rejects a wrong or missing secret before the pipeline', async () => {
    const before = h.tg.sent.length;
    const body = JSON.stringify({ ...fresh('private-text'), update_id: 5 });
    const post = (headers: Record<string, string>) =>
      fetch(`${h.app.url}${WEBHOOK_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    expect((await post({ 'x-telegram-bot-api-secret-token': 'wrong-secret-123' })).status).toBe(401);
    expect((await post({})).status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.tg.sent.length).toBe(before);
    // Nothing was recorded for dedup either: the same update with the right secret is still answered.
    const ok = await fetch(`${h.app.url}${WEBHOOK_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET }, body });
    expect(ok.status).toBe(200);
    expect(h.tg.sent.slice(before).map((s) => s.text)).toEqual([HELP_TEXT.menu]);
  });

  it('answers a malformed but authenticated update with 200 and no message', async () => {
    const before = h.tg.sent.length;
    const res = await fetch(`${h.app.url}${WEBHOOK_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET },
      body: JSON.stringify(fixture('malformed')),
    });
    expect(res.status).toBe(200);
    expect(h.tg.sent.length).toBe(before);
  });
});
