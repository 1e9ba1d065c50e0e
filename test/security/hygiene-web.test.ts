/**
 * Attack suite, web hygiene (issue item 7): dedup per sender, the inbox acknowledged by id (reading
 * deletes nothing), the group directory refusing self-declared web groups on an open web API and
 * staying bounded, security headers on every page with the chat page's script served as a file.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_GROUPS } from '../../src/core/groups.ts';
import { inbound } from '../helpers/engine.ts';
import { startWebChannel, type TestChannel } from '../helpers/chat-paths.ts';

type Web = TestChannel & { url: string };
type Inbox = { items: { id: string; replies: { text?: string }[] }[] };

async function post(url: string, body: Record<string, unknown>, token?: string) {
  const res = await fetch(`${url}/api/web/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { replies: { text?: string }[]; dropped?: string } };
}

describe('open web API (no token)', () => {
  let ch: Web;
  beforeAll(async () => {
    ch = await startWebChannel({ BOT_STAFF: 'web:staff1' });
  });
  afterAll(async () => ch?.stop());

  it('dedups per sender: another member reusing a client message id is still answered', async () => {
    const a = await post(ch.url, { userId: 'alice', chatType: 'private', text: '菜单', messageId: 'msg-1' });
    const b = await post(ch.url, { userId: 'mallory', chatType: 'private', text: '菜单', messageId: 'msg-1' });
    expect(a.body.replies.length).toBeGreaterThan(0);
    expect(b.body.dropped).toBeUndefined();
    expect(b.body.replies[0]?.text).toBe(a.body.replies[0]?.text);
    // The same sender retrying gets the same answer again (a redelivery), marked as a duplicate.
    const retry = await post(ch.url, { userId: 'alice', chatType: 'private', text: '菜单', messageId: 'msg-1' });
    expect(retry.body).toEqual({ replies: a.body.replies, dropped: 'duplicate' });
  });

  it('keeps inbox items until acknowledged by id: reading them deletes nothing', async () => {
    const handoff = await post(ch.url, { userId: 'carol', chatType: 'private', text: '转人工' });
    const ticket = /RG-\d{8}-\d{4}/.exec(handoff.body.replies[0]?.text ?? '')?.[0];
    await post(ch.url, { userId: 'staff1', chatType: 'private', text: `/reply ${ticket} 请把工资条发给我们` });
    const read = async () => (await (await fetch(`${ch.url}/api/web/messages?chatId=carol`)).json()) as Inbox;
    let first: Inbox = { items: [] };
    await expect.poll(async () => (first = await read()).items.length, { timeout: 5000 }).toBeGreaterThan(0);
    const item = first.items.find((i) => i.replies.some((r) => r.text?.includes('工资条')));
    expect(item?.id).toMatch(/^\d+-\d+$/);
    // An attacker who knows the chat id reads it too: the member still gets it.
    await read();
    expect((await read()).items.map((i) => i.id)).toContain(item?.id);
    const ack = async (body: unknown) => fetch(`${ch.url}/api/web/messages/ack`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await ack({ chatId: 'carol', ids: ['not-an-id'] })).status).toBe(400);
    expect((await ack({ chatId: 'carol', ids: [item?.id] })).status).toBe(200);
    expect((await read()).items.map((i) => i.id)).not.toContain(item?.id);
  });

  it('never lists a self-declared web group among the staff’s announcement targets', async () => {
    await post(ch.url, { userId: 'mallory', chatId: 'fake-group', chatType: 'group', chatName: '全体职工群', text: '菜单', mentionsBot: true });
    expect((await ch.engine.deps.groups.list(1000)).map((g) => g.chatId)).not.toContain('fake-group');
    // A group a platform vouches for (Telegram here) is listed.
    await ch.engine.pipeline.handle(inbound({ platform: 'telegram', chatType: 'group', chatId: '-100777', chatName: '一车间', senderId: '42', text: '@小助手 菜单', mentionsBot: true }));
    expect((await ch.engine.deps.groups.list(1000)).map((g) => `${g.platform}:${g.chatId}`)).toContain('telegram:-100777');
  });

  it('keeps the group directory bounded, dropping the groups seen longest ago', async () => {
    const { redis } = ch.engine.deps;
    const extra = 20;
    for (let i = 0; i < MAX_GROUPS + extra; i += 50) {
      const batch = redis.multi();
      for (let j = i; j < Math.min(i + 50, MAX_GROUPS + extra); j++) {
        ch.engine.deps.groups.record(batch, inbound({ platform: 'wechat', chatType: 'group', chatId: `room-${j}@chatroom`, chatName: `群${j}`, text: '' }), 1_000_000 + j);
      }
      await batch.exec();
    }
    const listed = await ch.engine.deps.groups.list(10_000);
    expect(listed).toHaveLength(MAX_GROUPS);
    expect(listed.map((g) => g.chatId)).not.toContain('room-0@chatroom');
    expect(listed.map((g) => g.chatId)).toContain(`room-${MAX_GROUPS + extra - 1}@chatroom`);
  });

  it('sends security headers on every page; the chat page has no inline script', async () => {
    for (const path of ['/', '/chat.js', '/healthz', '/api/web/messages?chatId=alice', '/no-such-page']) {
      const res = await fetch(`${ch.url}${path}`);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).not.toContain('unsafe-inline');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
    }
    const page = await (await fetch(`${ch.url}/`)).text();
    expect(page).not.toMatch(/<script>(?!<\/script>)|<script(?![^>]*\bsrc=)[^>]*>|\son\w+=|<style>/);
    expect(page).toContain('<script src="/chat.js"');
    const script = await fetch(`${ch.url}/chat.js`);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect(await script.text()).toContain('/api/web/messages/ack');
  });
});

describe('web API behind WEB_API_TOKEN', () => {
  const TOKEN = 'group-token-123456';
  let ch: Web;
  beforeAll(async () => {
    ch = await startWebChannel({ WEB_API_TOKEN: TOKEN });
  });
  afterAll(async () => ch?.stop());

  it('lists web groups (the token vouches for the client)', async () => {
    const chatId = `web-grp-${randomUUID().slice(0, 8)}`;
    await post(ch.url, { userId: 'member', chatId, chatType: 'group', chatName: '工会群', text: '菜单', mentionsBot: true }, TOKEN);
    expect((await ch.engine.deps.groups.list(1000)).map((g) => g.chatId)).toContain(chatId);
  });

  it('keeps the acknowledgement behind the token', async () => {
    const res = await fetch(`${ch.url}/api/web/messages/ack`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chatId: 'a', ids: [] }) });
    expect(res.status).toBe(401);
  });
});
