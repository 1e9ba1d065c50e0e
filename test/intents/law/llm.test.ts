import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createLlm } from '../../../src/llm/client.ts';
import { composeAnswer } from '../../../intents/law/answer.ts';
import { guardModelOutput } from '../../../intents/law/guard.ts';
import { llmAnswer } from '../../../intents/law/llm-answer.ts';
import { answerLawQuestion } from '../../../intents/law/service.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../../helpers/fake-openai.ts';
import { knowledge } from './helpers.ts';

const kb = knowledge();
const QUESTION = '老板一直不跟我签合同，能要双倍工资吗';

function captureLogger() {
  const warnings: Array<{ obj: object; msg?: string }> = [];
  return { warnings, warn: (obj: object, msg?: string) => void warnings.push({ obj, ...(msg ? { msg } : {}) }) };
}

describe('citation guard', () => {
  const allowed = [
    { law: '劳动合同法', article: 82 },
    { law: '劳动合同法', article: 10 },
  ];

  it('keeps allowed citations and removes invented ones with their law name', () => {
    const g = guardModelOutput('根据《劳动合同法》第八十二条，可以要二倍工资；另见《劳动法》第九十九条。', allowed, kb.library);
    expect(g.kept).toEqual([{ law: '劳动合同法', article: 82 }]);
    expect(g.removed).toEqual([{ law: '劳动法', article: 99 }]);
    expect(g.text).toContain('《劳动合同法》第八十二条');
    expect(g.text).not.toContain('九十九');
    expect(g.text).not.toContain('《劳动法》');
  });

  it('drops a sentence when one article of its list is invented, and keeps the others', () => {
    const g = guardModelOutput('没签书面合同的，单位应当每月支付二倍工资，见《劳动合同法》第八十二条。另见《劳动合同法》第十条、第二百条和第八十二条。', allowed, kb.library);
    expect(g.text).toBe('没签书面合同的，单位应当每月支付二倍工资，见《劳动合同法》第八十二条。');
    expect(g.removed).toEqual([{ law: '劳动合同法', article: 200 }]);
    expect(g.kept).toEqual([{ law: '劳动合同法', article: 82 }]);
  });

  it('resolves a bare article number only against the allowed set', () => {
    expect(guardModelOutput('按第八十二条处理。', allowed, kb.library).kept).toEqual([{ law: '劳动合同法', article: 82 }]);
    expect(guardModelOutput('按第三十条处理。', allowed, kb.library).removed).toEqual([{ law: undefined, article: 30 }]);
  });
});

describe('LLM mode against a fake chat-completions server', () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI(() => ({ reply: 'unused' }));
  });
  afterAll(async () => {
    await server.close();
  });
  const llm = (timeout = 5000) =>
    createLlm({ OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: server.baseURL, OPENAI_MODEL: 'fake-model', OPENAI_TIMEOUT_MS: timeout })!;

  it('phrases the answer from retrieved material and sends that material to the model', async () => {
    server.setHandler(() => ({ reply: '超过一个月没签书面合同，单位每月要多付一份工资，即二倍工资，依据《劳动合同法》第八十二条。' }));
    const a = await answerLawQuestion(kb, QUESTION, { llm: llm(), llmTimeoutMs: 3000 });
    expect(a.viaLlm).toBe(true);
    expect(a.text).toContain('二倍工资');
    expect(a.text).toMatch(/依据：《劳动合同法》第八十二条/);
    expect(a.text).toContain('12351');
    const req = server.requests.at(-1)!;
    expect(req.model).toBe('fake-model');
    expect(req.messages[0]?.role).toBe('system');
    expect(req.messages[1]?.content).toContain(QUESTION);
    expect(req.messages[1]?.content).toContain(kb.library.getArticle('劳动合同法', 82)!.text.split('\n')[0]);
  });

  it('removes and logs an article number the model invented', async () => {
    server.setHandler(() => ({
      reply: '入职超过一个月还没签书面劳动合同的，可以要求单位每月支付二倍工资，见《劳动合同法》第八十二条；单位还要按《劳动合同法》第一百二十条另付罚金，并参照《工伤保险条例》第十四条。',
    }));
    const log = captureLogger();
    const a = await answerLawQuestion(kb, QUESTION, { llm: llm(), llmTimeoutMs: 3000, logger: log });
    expect(a.viaLlm).toBe(true);
    expect(a.text).not.toContain('第一百二十条');
    expect(a.text).not.toContain('第十四条');
    expect(a.text).toContain('第八十二条');
    for (const c of a.citations) expect(kb.library.has(c.law, c.article)).toBe(true);
    expect(a.citations).not.toContainEqual({ law: '工伤保险条例', article: 14 });
    const warn = log.warnings.find((w) => w.msg?.includes('outside the retrieved set'));
    expect(warn).toBeDefined();
    expect(JSON.stringify(warn!.obj)).toContain('120');
  });

  it('falls back to the retrieval answer when the server never answers', async () => {
    server.setHandler(() => ({ hang: true }));
    const log = captureLogger();
    const started = Date.now();
    const a = await answerLawQuestion(kb, QUESTION, { llm: llm(60_000), llmTimeoutMs: 300, logger: log });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(a.viaLlm).toBeUndefined();
    expect(a.text).toBe(composeAnswer(kb.retrieve(QUESTION), kb).text);
    expect(log.warnings.some((w) => JSON.stringify(w.obj).includes('timed out'))).toBe(true);
  });

  it('falls back when the client itself times out or the server fails', async () => {
    server.setHandler(() => ({ hang: true }));
    const r = kb.retrieve(QUESTION);
    const base = composeAnswer(r, kb);
    const timedOut = await llmAnswer(llm(200), QUESTION, r, base, kb, { timeoutMs: 10_000 });
    expect(timedOut).toBe(base);
    server.setHandler(() => ({ status: 500 }));
    expect(await llmAnswer(llm(), QUESTION, r, base, kb, { timeoutMs: 3000 })).toBe(base);
  });

  it('is not used for low-confidence questions or in groups', async () => {
    const before = server.requests.length;
    server.setHandler(() => ({ reply: '随便说说' }));
    const unsure = await answerLawQuestion(kb, '帮我订一张去北京的机票', { llm: llm() });
    expect(unsure.kind).toBe('low_confidence');
    const group = await answerLawQuestion(kb, QUESTION, { llm: llm(), compact: true });
    expect(group.viaLlm).toBeUndefined();
    expect(server.requests.length).toBe(before);
  });
});
