/** The claim transcripts through the real Router (commands, roles, passThrough, privateOnly) instead of the harness's mini router. */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntentDefinition, IntentId, Role, TurnContext } from '../../../src/core/service.ts';
import { memberKey, type InboundAttachment, type Reply } from '../../../src/core/message.ts';
import { Router } from '../../../src/core/router.ts';
import { parseSession } from '../../../src/core/session.ts';
import { startRedis } from '../../helpers/redis.ts';
import { ADMIN, ClaimsHarness, play, type ChatPath } from './harness.ts';
import { applicationUntilSummary, SUBMIT } from './transcripts.ts';

let redis: Awaited<ReturnType<typeof startRedis>>;
let h: ClaimsHarness;
let router: Router;
const LAW_ANSWER = '【劳动法答复】';

beforeAll(async () => {
  redis = await startRedis();
  h = await ClaimsHarness.create(redis.url);
  const laborLaw: IntentDefinition = { id: 'labor_law', handle: async () => ({ replies: [{ text: LAW_ANSWER }] }) };
  const unknown: IntentDefinition = { id: 'unknown', handle: async () => ({ replies: [{ text: '【未识别】' }] }) };
  const classifier = {
    async classify(text: string): Promise<{ intent: IntentId; confidence: number }> {
      if (/工资|加班|社保|合同/.test(text)) return { intent: 'labor_law', confidence: 0.9 };
      if (/进度|查询/.test(text)) return { intent: 'claim_status', confidence: 0.9 };
      if (/申请/.test(text)) return { intent: 'claim_submit', confidence: 0.9 };
      if (/互助|材料/.test(text)) return { intent: 'claim_info', confidence: 0.9 };
      return { intent: 'unknown', confidence: 0.1 };
    },
  };
  router = new Router([...h.intents.values(), laborLaw, unknown], classifier, pino({ level: 'silent' }), h.deps.audit, 'unknown');
});
afterAll(async () => {
  await h?.close();
  await redis?.stop();
});

function viaRouter(userId: string, chatType: 'private' | 'group' = 'private'): ChatPath {
  return {
    async say(text: string, files: InboundAttachment[] = []): Promise<Reply[]> {
      const chatId = chatType === 'private' ? userId : 'group1';
      const key = h.deps.keys.session('telegram', chatId, userId);
      const now = h.clock.now;
      const { session } = parseSession(await h.redis.get(key), now.getTime());
      const member = memberKey('telegram', userId);
      const roles = new Set<Role>(h.config.BOT_ADMINS.includes(member) ? ['admin', 'staff'] : []);
      const ctx: TurnContext = {
        msg: { platform: 'telegram', chatId, chatType, senderId: userId, senderName: userId, text, mentionsBot: true, repliesToBot: false, attachments: files, messageId: randomUUID(), sentAt: now.getTime(), fromSelf: false },
        member, roles, session, text, now,
      };
      const replies = await router.route(ctx);
      await h.redis.set(key, JSON.stringify(session));
      return replies;
    },
  };
}

describe('claims through the real Router', () => {
  it('a full application with a labor-law interruption, then admin approval', async () => {
    const steps = applicationUntilSummary('hospital');
    const out = await play(viaRouter('u1'), [
      ...steps.slice(0, 8),
      { say: '公司拖欠工资怎么办？', expect: [LAW_ANSWER, '我们继续填写互助申请', '就诊医院'] },
      ...steps.slice(8),
      SUBMIT,
    ]);
    const no = /HZ-\d{8}-\d{4}/.exec(out.at(-1) ?? '')?.[0] ?? '';
    await play(viaRouter('u1'), [
      { say: `/approve ${no} 1500`, expect: '权限' },
      { say: no, expect: ['待审核'] },
    ]);
    await play(viaRouter(ADMIN.userId), [{ say: `/approve ${no} 1500 按比例`, expect: '已批准' }]);
    const audit = await h.auditEntries();
    expect(audit.some((e) => e.action === 'refused' && e.actor === 'telegram:u1')).toBe(true);
  });

  it('in a group the member is invited to a private chat and nothing is collected', async () => {
    const text = (await viaRouter('u2', 'group').say('我要申请互助')).map((r) => r.text ?? '').join('\n');
    expect(text).not.toContain('个人信息保护法');
    expect(text).toMatch(/私聊/);
  });
});
