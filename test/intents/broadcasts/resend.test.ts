/**
 * Sends cut off mid-call by a crash (failed:interrupted) are never sent again by themselves; staff can list them
 * and, after confirming, send them again through the same ledger and pacing (/bcresend, and the console's
 * button with its confirmation page). Audited; the author is told again when the run finishes; refused for
 * members; nothing to resend is said so.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadcastService } from '../../../intents/broadcasts/service.ts';
import { broadcastsConsole } from '../../../intents/broadcasts/console.ts';
import { batchId, DeliverySender, type DeliveryPort } from '../../../src/core/delivery/index.ts';
import type { Address, Reply } from '../../../src/core/message.ts';
import type { ConsoleRequest } from '../../../src/core/console.ts';
import { Harness } from '../../helpers/harness.ts';
import { textOf } from '../../helpers/transcript.ts';

let h: Harness;
const say = async (who: string, text: string) => textOf(await h.send({ senderId: who, senderName: who, text }));
const GROUPS = ['-100一车间群', '-100二车间群', '-100三车间群'];

beforeAll(async () => {
  h = await Harness.start({ env: { BOT_STAFF: 'telegram:staff1', BROADCAST_APPROVAL: 'none' } });
  for (const g of GROUPS) await h.send({ senderId: 'm1', senderName: 'm1', chatId: g, chatType: 'group', chatName: g, mentionsBot: true, text: '菜单' });
}, 60_000);
afterAll(async () => h?.stop());

/**
 * A broadcast to the three groups whose first two sends were cut off by a crash: a sender that died after marking
 * them `sending` (its lease ran out), the third sent by another process.
 */
async function interruptedBroadcast(text: string): Promise<number> {
  expect(await say('staff1', `/broadcast 全部群 ${text}`)).toContain('预览');
  const started = await say('staff1', '确认');
  const id = Number(/#(\d+)/.exec(started)?.[1]);
  const { ledger } = h.engine.deps.delivery;
  const batch = batchId(`bc:${id}#1`, 'telegram');
  const now = Date.now();
  const dead = await ledger.claim(batch, 'dead-process', now, 1, 2);
  for (const item of dead.items) expect(await ledger.markSending(batch, item.id, 'dead-process', now, 1)).toBe('go');
  await new Promise((r) => setTimeout(r, 10));
  const alive = await ledger.claim(batch, 'live-process', Date.now(), 60_000, 10);
  for (const item of alive.items) await ledger.complete(batch, item.id, 'live-process', { kind: 'sent' });
  const finished = (await h.engine.deps.delivery.counts(`bc:${id}#1`));
  expect(finished).toMatchObject({ total: 3, pending: 0, sent: 1, failed: 2 });
  return id;
}

/** Runs a sender of the delivery path until the broadcast has nothing pending; returns what the platform got. */
async function drain(id: number): Promise<{ to: Address; reply: Reply }[]> {
  const got: { to: Address; reply: Reply }[] = [];
  const port: DeliveryPort = { platform: 'telegram', pacing: {}, concurrency: 4, ready: () => true, deliver: async (to, reply) => void got.push({ to, reply }), classify: (err) => ({ kind: 'permanent', reason: String(err) }) };
  const sender = new DeliverySender(h.engine.deps.delivery, port, h.engine.deps.redis, pino({ level: 'silent' }), { pollMs: 20 });
  sender.start();
  await expect.poll(async () => (await h.engine.deps.delivery.counts(`bc:${id}#1`)).pending, { timeout: 15_000 }).toBe(0);
  await sender.stop();
  return got;
}

describe('resending what a crash cut off', () => {
  it('/bcresend lists the interrupted targets and asks; 确认 sends them again through the ledger; audited; the author told again', async () => {
    const id = await interruptedBroadcast('周五开会（一）');
    const report = await say('staff1', `/broadcast ${id}`);
    expect(report.match(/发送中断，未自动重发以免重复/g)).toHaveLength(2);

    const ask = await say('staff1', `/bcresend ${id}`);
    expect(ask).toContain('有 2 个对象在发送途中被中断');
    expect(ask).toContain('已经收到的会再收到一次');
    expect(ask).toContain(`/bcresend ${id} 确认`);
    // Asking changes nothing.
    expect(await h.engine.deps.delivery.counts(`bc:${id}#1`)).toMatchObject({ pending: 0, failed: 2 });

    expect(await say('staff1', `/bcresend ${id} 确认`)).toContain(`重新发送 2 个中断的对象`);
    const queued = (await h.outbox()).filter((i) => textOf(i.replies as Reply[]).includes('周五开会（一）'));
    expect(queued).toHaveLength(2);
    const got = await drain(id);
    expect(got.filter((g) => g.reply.text === '周五开会（一）').map((g) => g.to.chatId).sort()).toEqual(queued.map((q) => q.to.chatId).sort());
    expect(await h.engine.deps.delivery.counts(`bc:${id}#1`)).toMatchObject({ total: 3, pending: 0, sent: 3, failed: 0 });
    // The author is told each time the run finishes (again after the resend).
    expect(got.filter((g) => g.to.chatId === 'staff1' && /已发送完毕：3\/3 已发送/.test(g.reply.text ?? ''))).toHaveLength(1);
    const audit = (await h.audit()).find((e) => e.action === 'broadcast.resend' && e.target === `broadcast:${id}`);
    expect(audit).toMatchObject({ actor: 'telegram:staff1', note: expect.stringContaining('2 interrupted targets') });

    // Nothing left to resend; a second confirmation sends nothing twice.
    expect(await say('staff1', `/bcresend ${id} 确认`)).toContain('没有中断的对象');
    expect(await say('staff1', `/bcresend ${id}`)).toContain('没有中断的对象');
  });

  it('a member cannot resend; an unknown broadcast is not found', async () => {
    const id = await interruptedBroadcast('周五开会（二）');
    expect(await say('m5', `/bcresend ${id} 确认`)).toContain('需要工会工作人员权限');
    expect(await h.engine.deps.delivery.counts(`bc:${id}#1`)).toMatchObject({ failed: 2 });
    expect(await say('staff1', '/bcresend 9999 确认')).toContain('没有找到群发 #9999');
  });

  it('the console shows the button, asks to confirm with the targets listed, then resends', async () => {
    const id = await interruptedBroadcast('周五开会（三）');
    const svc = broadcastService(h.engine.deps);
    const section = broadcastsConsole(svc);
    const actor = { key: 'console:wang' as const, roles: new Set(['staff'] as const) };
    const req = (form: Record<string, string> = {}): ConsoleRequest => ({ params: { id: String(id) }, query: {}, form, actor, account: 'wang', identities: [], csrfToken: 'x', partial: false, now: new Date() });
    const route = (method: string, path: string) => section.pages!.find((r) => r.method === method && r.path === path)!;
    const page = await route('GET', '/broadcasts/:id').handle(req());
    expect(JSON.stringify(page)).toContain('重发中断的对象（2 个）');
    const confirm = await route('POST', '/broadcasts/:id/control').handle(req({ action: 'resend' }));
    expect(JSON.stringify(confirm)).toContain('已经收到的会再收到一次');
    expect(await h.engine.deps.delivery.counts(`bc:${id}#1`)).toMatchObject({ failed: 2 });
    const done = await route('POST', '/broadcasts/:id/control').handle(req({ action: 'resend', confirmed: '1' }));
    expect(done).toEqual({ kind: 'redirect', to: `/console/broadcasts/${id}?outcome=resent` });
    expect(await h.engine.deps.delivery.counts(`bc:${id}#1`)).toMatchObject({ pending: 2, failed: 0 });
    expect((await h.audit()).some((e) => e.action === 'broadcast.resend' && e.actor === 'console:wang' && e.target === `broadcast:${id}`)).toBe(true);
  });
});
