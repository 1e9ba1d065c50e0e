/**
 * A broadcast waiting for approval needs a second person: a staff member whose chat identity is linked to
 * their console account (RoleDirectory) cannot approve their own broadcast from the other side, in either
 * direction; the refusal is audited, and another staff member still approves it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadcastService } from '../../../intents/broadcasts/service.ts';
import { AccountStore } from '../../../src/channels/console/accounts.ts';
import { consoleActorKey } from '../../../src/core/console.ts';
import { FieldCipher, loadEncryptionKey } from '../../../src/core/crypto.ts';
import { Harness } from '../../helpers/harness.ts';
import { textOf } from '../../helpers/transcript.ts';

let h: Harness;
const say = async (who: string, text: string) => textOf(await h.send({ senderId: who, senderName: who, text }));
const LI_CHAT = 'telegram:li_chat';
const li = { key: consoleActorKey('li'), roles: new Set(['staff'] as const) };
const author = { name: '李老师', chat: { platform: 'telegram' as const, chatId: 'li_chat', chatType: 'private' as const } };

beforeAll(async () => {
  h = await Harness.start({ env: { BOT_STAFF: 'telegram:staff2' } });
  // The bot serves a group, so "全部群" has an audience (and needs approval by default).
  await h.send({ senderId: 'm1', senderName: 'm1', chatId: '-100一车间群', chatType: 'group', chatName: '一车间群', mentionsBot: true, text: '菜单' });
  // Console account "li" (staff) with li's Telegram identity linked to it: the chat identity holds the account's role.
  const { redis, keys, config, logger } = h.engine.deps;
  const accounts = new AccountStore(redis, keys, new FieldCipher(loadEncryptionKey(config)), logger);
  await accounts.add('li', 'staff', 'a-long-password-1234', false, new Date());
  await accounts.update('li', (a) => ({ ...a, links: [LI_CHAT] }));
  await h.engine.deps.roles.refresh();
}, 60_000);
afterAll(async () => h?.stop());

const refusals = async (id: number) => (await h.audit()).filter((e) => e.action === 'broadcast.approve_refused' && e.target === `broadcast:${id}`);

describe('approving one’s own broadcast from the other side', () => {
  it('composed in chat by the linked identity: the console account cannot approve it; another staff member can', async () => {
    expect(await say('li_chat', '/broadcast 全部群 周五开会')).toContain('预览');
    const sent = await say('li_chat', '确认');
    const id = Number(/#(\d+)/.exec(sent)?.[1]);
    expect(sent).toContain('等待另一位工作人员批准');
    const svc = broadcastService(h.engine.deps);
    expect(await svc.approve(li, id)).toEqual({ outcome: 'self-approval' });
    expect((await svc.store.get(id))?.status).toBe('pending');
    expect(await refusals(id)).toEqual([expect.objectContaining({ actor: 'console:li' })]);
    // The linked identity itself is refused too (same key), and a second person approves.
    expect(await say('li_chat', `/bcapprove ${id}`)).toContain('不能批准自己提交的群发');
    expect(await say('staff2', `/bcapprove ${id}`)).toContain(`已批准群发 #${id}`);
    expect((await svc.store.get(id))?.approvedBy).toBe('telegram:staff2');
  });

  it('composed in the console: the linked chat identity cannot approve it; the approval request goes to the others only', async () => {
    const svc = broadcastService(h.engine.deps);
    const r = await svc.compose(li, author, { audience: { kind: 'all-groups' }, text: '周六义务劳动', schedule: { kind: 'now' } });
    if (r.outcome !== 'pending') throw new Error(r.outcome);
    const id = r.broadcast.id;
    expect(await say('li_chat', `/bcapprove ${id}`)).toContain('不能批准自己提交的群发');
    expect((await svc.store.get(id))?.status).toBe('pending');
    expect(await refusals(id)).toEqual([expect.objectContaining({ actor: LI_CHAT })]);
    const asked = (await h.outbox()).filter((i) => textOf(i.replies as never).includes(`/bcapprove ${id}`)).map((i) => i.to.chatId);
    expect(asked).toContain('staff2');
    expect(asked).not.toContain('li_chat');
    expect(await say('staff2', `/bcapprove ${id}`)).toContain(`已批准群发 #${id}`);
  });

  it('an identity not linked to the account is a different person, and one whose role comes from the link is asked too', async () => {
    const svc = broadcastService(h.engine.deps);
    const r = await svc.compose({ key: 'telegram:staff2', roles: new Set(['staff']) }, author, { audience: { kind: 'all-groups' }, text: '下周一体检', schedule: { kind: 'now' } });
    if (r.outcome !== 'pending') throw new Error(r.outcome);
    // li_chat is in no BOT_STAFF list: it is staff through the console account it is linked to.
    const asked = (await h.outbox()).filter((i) => textOf(i.replies as never).includes(`/bcapprove ${r.broadcast.id}`)).map((i) => i.to.chatId);
    expect(asked).toEqual(['li_chat']);
    expect((await svc.approve(li, r.broadcast.id)).outcome).toBe('done');
  });

  it('a broadcast to staff reaches those whose role comes from a linked console account', async () => {
    const svc = broadcastService(h.engine.deps);
    const r = await svc.compose({ key: 'telegram:staff2', roles: new Set(['staff']) }, author, { audience: { kind: 'staff' }, text: '今晚值班表已更新', schedule: { kind: 'now' } });
    if (r.outcome !== 'started') throw new Error(r.outcome);
    const queued = await h.engine.deps.delivery.pending('telegram');
    expect(queued.filter((i) => i.replies.some((x) => x.text === '今晚值班表已更新')).map((i) => i.to.chatId).sort()).toEqual(['li_chat', 'staff2']);
  });
});
