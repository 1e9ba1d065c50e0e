import { haveStatutes } from '../helpers/shared.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChannels, type RunningApp } from '../../src/channels/index.ts';
import { HELP_TEXT } from '../../intents/help/texts.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';

const TOKEN = 'test-token-123456';
let te: TestEngine;
let app: RunningApp;

async function post(body: unknown, token: string | null = TOKEN) {
  const res = await fetch(`${app.url}/api/web/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { replies?: { text?: string; choices?: string[] }[]; error?: string } };
}

beforeAll(async () => {
  te = await startTestEngine({ WEB_API_TOKEN: TOKEN, BOT_STAFF: 'web:staff1' });
  app = await startChannels(te.engine);
});
afterAll(async () => {
  await app.stop();
  await te.stop();
});

describe('web chat API', () => {
  it('answers a private message with replies', async () => {
    const res = await post({ userId: 'alice', chatType: 'private', text: '菜单' });
    expect(res.status).toBe(200);
    expect(res.body.replies?.[0]?.text).toContain(HELP_TEXT.menu.split('\n')[0]);
  });

  it('rejects requests without the bearer token (401)', async () => {
    expect((await post({ userId: 'alice', chatType: 'private', text: '菜单' }, null)).status).toBe(401);
    expect((await post({ userId: 'alice', chatType: 'private', text: '菜单' }, 'wrong-token-xxxxx')).status).toBe(401);
  });

  it('rejects a bad body with 400 and the reason', async () => {
    const missing = await post({ chatType: 'private', text: 'hi' });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toContain('userId');
    const badType = await post({ userId: 'a', chatType: 'channel', text: 'hi' });
    expect(badType.status).toBe(400);
    expect(badType.body.error).toContain('chatType');
    expect((await post('{not json')).status).toBe(400);
    const notBase64 = await post({ userId: 'a', chatType: 'private', text: '', attachments: [{ name: 'x.pdf', mimeType: 'application/pdf', dataBase64: '%%%' }] });
    expect(notBase64.status).toBe(400);
  });

  it('in a group answers only when addressed, and names the asker', async () => {
    const quiet = await post({ userId: 'bob', displayName: '老王', chatId: 'grp1', chatType: 'group', text: '今天食堂吃什么' });
    expect(quiet.body.replies).toEqual([]);
    const asked = await post({ userId: 'bob', displayName: '老王', chatId: 'grp1', chatType: 'group', text: '菜单', mentionsBot: true });
    expect(asked.body.replies?.[0]?.text).toMatch(/^@老王 /);
  });

  it('shows staff their commands and refuses them to others', async () => {
    const staffMenu = await post({ userId: 'staff1', chatType: 'private', text: '菜单' });
    expect(staffMenu.body.replies?.[0]?.text).toContain('工单：工单');
    const refused = await post({ userId: 'mallory', chatType: 'private', text: '/tickets' });
    expect(refused.body.replies?.[0]?.text).toContain('权限');
  });

  it('hands off to a person and lets staff see and answer the ticket', async () => {
    const handoff = await post({ userId: 'carol', chatType: 'private', text: '转人工' });
    const id = /RG-\d{8}-\d{4}/.exec(handoff.body.replies?.[0]?.text ?? '')?.[0];
    expect(id).toBeDefined();
    const list = await post({ userId: 'staff1', chatType: 'private', text: '/tickets' });
    expect(list.body.replies?.[0]?.text).toContain(id);
    await post({ userId: 'staff1', chatType: 'private', text: `/reply ${id} 您好，请把工资条发给我们` });
    // The member's notification is delivered through the web outbox and picked up by polling.
    let texts: string[] = [];
    for (let i = 0; i < 40 && !texts.some((t) => t.includes('工资条')); i++) {
      const res = await fetch(`${app.url}/api/web/messages?chatId=carol`, { headers: { authorization: `Bearer ${TOKEN}` } });
      texts = texts.concat(((await res.json()) as { replies: { text?: string }[] }).replies.map((r) => r.text ?? ''));
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(texts.some((t) => t.includes('工资条'))).toBe(true);
  });

  it.skipIf(!haveStatutes)('answers a labor-law question with citations, a follow-up in its context, and the article text', async () => {
    const ask = async (text: string) => (await post({ userId: 'worker1', chatType: 'private', text })).body.replies?.map((r) => r.text ?? '').join('\n') ?? '';
    const first = await ask('入职半年了老板一直不跟我签劳动合同');
    expect(first).toMatch(/依据：《劳动合同法》[^；\n]*第八十二条/);
    expect(first).toContain('12351');
    expect(await ask('那能赔多少')).toContain('第八十二条');
    expect(await ask('查看原文')).toMatch(/第八十二条原文：\n第八十二条 用人单位自用工之日起超过一个月不满一年未与劳动者订立书面劳动合同的/);
  });

  it('in a group gives the compact answer and asks nothing personal', async () => {
    const res = await post({ userId: 'w2', displayName: '小李', chatId: 'grp2', chatType: 'group', text: '@小助手 我要申请住院互助', mentionsBot: true });
    expect(res.body.replies?.[0]?.text).toContain('私聊');
    expect(res.body.replies?.map((r) => r.text).join('')).not.toMatch(/身份证|姓名/);
  });

  it('serves the chat page and a health check', async () => {
    const page = await fetch(`${app.url}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('工会小助手');
    const health = await fetch(`${app.url}/healthz`);
    expect(await health.json()).toEqual({ ok: true });
  });
});

describe('web chat API: the token is checked first', () => {
  it('answers 401, not 400, to a request without the token whatever its body (nothing is parsed first)', async () => {
    expect((await post('{not json', null)).status).toBe(401);
    expect((await post({ chatType: 'private' }, null)).status).toBe(401);
  });

  it('keeps /api/status (it carries the WeChat login QR code) behind the token', async () => {
    expect((await fetch(`${app.url}/api/status`)).status).toBe(401);
    const ok = await fetch(`${app.url}/api/status`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
  });

  it('keeps the inbox behind the token', async () => {
    expect((await fetch(`${app.url}/api/web/messages?chatId=alice`)).status).toBe(401);
  });
});

describe('web chat API: files', () => {
  it('serves a file by a signed one-time link, produced for its viewer at download, not cached and not sniffed; unsigned or malformed links are refused', async () => {
    const { WebFiles } = await import('../../src/channels/web/files.ts');
    const { deriveKey, loadEncryptionKey } = await import('../../src/core/crypto.ts');
    const { deps, config } = te.engine;
    const produced: string[] = [];
    deps.files.register('test-csv', async (ref, viewer) => {
      produced.push(`${ref} for ${viewer}`);
      return ref === 'r1' ? Buffer.from('a,b\r\n') : null;
    });
    const files = new WebFiles(deps.redis, deps.keys, deps.files, deriveKey(loadEncryptionKey(config), 'web-file-links'), 300, () => new Date(), deps.logger);
    const name = '名单"; x=.csv';
    const url = await files.link({ name, mimeType: 'text/csv', data: Buffer.alloc(0), ref: { kind: 'test-csv', ref: 'r1', viewer: 'web:staff1' } });
    expect(produced).toEqual([]);
    const res = await fetch(`${app.url}${url}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('a,b\r\n');
    expect(produced).toEqual(['r1 for web:staff1']);
    expect(res.headers.get('cache-control')).toContain('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename*=UTF-8''${encodeURIComponent(name)}`);
    expect((await fetch(`${app.url}${url}`)).status).toBe(404);
    const gone = await files.link({ name, mimeType: 'text/csv', data: Buffer.alloc(0), ref: { kind: 'test-csv', ref: 'r2', viewer: 'web:staff1' } });
    expect((await fetch(`${app.url}${gone}`)).status).toBe(404);
    expect((await fetch(`${app.url}/api/web/files/${'A'.repeat(24)}`)).status).toBe(403);
    expect((await fetch(`${app.url}/api/web/files/..%2F..%2Fetc%2Fpasswd`)).status).toBe(403);
    await expect(files.link({ name, mimeType: 'text/csv', data: Buffer.from('x') })).resolves.toBeNull();
  });
});
