/**
 * Every way members write a personal number is masked: by the masker itself, in what reaches the model (the
 * labor-law answer and the classifier's fallback, read from the local chat-completions server's request log),
 * and in what stays behind (tickets, staff alerts, sessions: everything in Redis and the outbox).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskPersonalNumbers } from '../../src/core/text.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.ts';
import { Harness } from '../helpers/harness.ts';
import { textOf } from '../helpers/transcript.ts';

const MOBILE = '13812345678';
const ID = '11010519491231002X';
const OLD_ID = '110105491231002';
const CARD = '6222021234567890';
const LANDLINE = '01087654321';

/** [how it is written, the digits it stands for] */
const FORMATS: Array<[string, string]> = [
  ['13812345678', MOBILE],
  ['138 1234 5678', MOBILE],
  ['138-1234-5678', MOBILE],
  ['138.1234.5678', MOBILE],
  ['138/1234/5678', MOBILE],
  ['138_1234_5678', MOBILE],
  ['(138)1234-5678', MOBILE],
  ['(138) 1234 5678', MOBILE],
  ['（138）1234 5678', MOBILE],
  ['138　1234　5678', MOBILE],
  ['+86 138 1234 5678', MOBILE],
  ['+8613812345678', MOBILE],
  ['0086 138 1234 5678', MOBILE],
  ['0086-13812345678', MOBILE],
  ['(+86) 138-1234-5678', MOBILE],
  ['8613812345678', MOBILE],
  ['１３８１２３４５６７８', MOBILE],
  ['一三八一二三四五六七八', MOBILE],
  ['一三八 一二三四 五六七八', MOBILE],
  ['幺三八幺二三四五六七八', MOBILE],
  ['壹叁捌壹贰叁肆伍陆柒捌', MOBILE],
  [ID, ID],
  ['110105 19491231 002X', ID],
  ['110105-19491231-002X', ID],
  ['110105.19491231.002X', ID],
  ['110105/19491231/002X', ID],
  ['110105_19491231_002X', ID],
  ['一一〇一〇五一九四九一二三一〇〇二X', ID],
  [OLD_ID, OLD_ID],
  ['110105 491231 002', OLD_ID],
  ['110105-491231-002', OLD_ID],
  ['6222021234567890', CARD],
  ['6222 0212 3456 7890', CARD],
  ['6222-0212-3456-7890', CARD],
  ['6222.0212.3456.7890', CARD],
  ['6222_0212_3456_7890', CARD],
  ['6222/0212/3456/7890', CARD],
  ['010-87654321', LANDLINE],
  ['(010) 8765 4321', LANDLINE],
];

const CN_DIGITS: Record<string, string> = { 零: '0', 〇: '0', 一: '1', 幺: '1', 壹: '1', 二: '2', 贰: '2', 三: '3', 叁: '3', 四: '4', 肆: '4', 五: '5', 伍: '5', 六: '6', 陆: '6', 七: '7', 柒: '7', 八: '8', 捌: '8', 九: '9', 玖: '9' };
/** Digits as ASCII with separators squeezed out, so a number is found however it was written. */
const normalized = (text: string) =>
  text
    .replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/./gu, (c) => CN_DIGITS[c] ?? c)
    .replace(/[\s\-./_()（）+·]+/g, '');

/** The number, or the part of it a mask hides (all but the last four), is readable in `text`. */
const leaks = (text: string, digits: string) => {
  const n = normalized(text);
  return n.includes(digits) || n.includes(digits.slice(0, -4));
};

describe('the masker', () => {
  it.each(FORMATS)('masks %s', (written, digits) => {
    const out = maskPersonalNumbers(`我的号码是${written}，谢谢`);
    expect(leaks(out, digits), out).toBe(false);
    expect(out).toContain('****');
    expect(out.startsWith('我的号码是') && out.endsWith('，谢谢')).toBe(true);
  });

  // A Chinese numeral is a word beside an ASCII number (张三 is a name, 一定 a word), not more of its digits.
  it.each([
    ['张三13812345678', '张三138****5678'],
    ['13812345678一定回电', '138****5678一定回电'],
    ['李四6222021234567890', '李四6222********7890'],
    ['王五11010519491231002X', '王五110105********002X'],
    ['张三 一三八一二三四五六七八', '张三 138****5678'],
  ])('masks %s beside a Chinese numeral', (text, masked) => {
    expect(maskPersonalNumbers(text)).toBe(masked);
  });

  const harmless = [
    '2026-11-02',
    '2026/11/02',
    '2026.11.02',
    '2026.11.02-2026.12.01',
    '20261102-20261201',
    '2026-11-02 14:30',
    '3560.50',
    '12,345,678.90',
    '月薪 3560.50 元，加班 12 小时',
    '第九十九条',
    '《劳动合同法》第九十八、九十九条',
    '二〇二六年十一月二日',
    '热线 12351、12333',
    '编号 HZ-20261122-0001，工单 RG-20261122-0002',
    '192.168.100.200',
  ];
  it.each(harmless)('leaves %s alone', (text) => {
    expect(maskPersonalNumbers(text)).toBe(text);
  });
});

describe('what reaches the model and what stays behind', () => {
  let server: FakeOpenAI;
  let h: Harness;
  beforeAll(async () => {
    server = await startFakeOpenAI((req) =>
      req.messages[0]?.content.includes('意图分类器')
        ? { reply: '{"intent":"labor_law"}' }
        : { reply: '入职超过一个月还没签书面劳动合同的，可以要求单位每月支付二倍工资，见《劳动合同法》第八十二条。' },
    );
    h = await Harness.start({
      env: { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: server.baseURL, OPENAI_MODEL: 'fake-model', BOT_STAFF: 'telegram:staff1' },
    });
  });
  afterAll(async () => {
    await h.stop();
    await server.close();
  });

  let member = 0;
  it.each(FORMATS)('%s never reaches the model, a ticket or a staff alert', async (written, digits) => {
    member += 1;
    const who = `mask${member}`;
    const before = server.requests.length;
    // A labor-law question (answered through the model) and the number alone (the classifier asks the model).
    expect(textOf(await h.dm(who).say(`我的电话是${written}，老板一直不跟我签合同，能要双倍工资吗`))).toContain('二倍工资');
    await h.dm(who).say(written);
    await h.dm(who).say('转人工');
    const sent = server.requests.slice(before);
    expect(sent.some((r) => r.messages.some((m) => m.content.includes('职工的问题'))), 'the law answer asked the model').toBe(true);
    for (const r of sent) for (const m of r.messages) expect(leaks(m.content, digits), m.content).toBe(false);
    const alerts = (await h.outbox()).filter((i) => i.to.chatId === 'staff1');
    expect(alerts.length).toBeGreaterThan(0);
    for (const a of alerts) expect(leaks(textOf(a.replies), digits), textOf(a.replies)).toBe(false);
  });

  it('the classifier fallback was asked too (so its masking is what was checked)', () => {
    expect(server.requests.some((r) => r.messages[0]?.content.includes('意图分类器'))).toBe(true);
  });

  it('nothing in Redis (sessions, tickets, audit) holds a number as written', async () => {
    const { redis } = h.engine.deps;
    const values: string[] = [];
    for (const key of await redis.keys('*')) {
      const type = await redis.type(key);
      if (type === 'string') values.push((await redis.get(key)) ?? '');
      else if (type === 'list') values.push(...(await redis.lrange(key, 0, -1)));
      else if (type === 'hash') values.push(...Object.values(await redis.hgetall(key)));
      else if (type === 'set') values.push(...(await redis.smembers(key)));
      else if (type === 'zset') values.push(...(await redis.zrange(key, 0, '-1')));
      else if (type === 'stream') values.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
    expect(values.length).toBeGreaterThan(0);
    const all = values.join('\n');
    for (const [written, digits] of FORMATS) expect(leaks(all, digits), written).toBe(false);
  });
});
