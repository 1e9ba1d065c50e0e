/**
 * Hostile model output, through the real engine with a configured model (the local chat-completions server):
 * what the member sees when the model cites articles retrieval did not find, in every written form, or returns
 * claims of action, links, personal numbers, markup or 200 KB of text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeAnswer } from '../../intents/law/answer.ts';
import { MAX_MODEL_ANSWER_CHARS } from '../../intents/law/guard.ts';
import { buildMaterial } from '../../intents/law/llm-answer.ts';
import { PROMPTS } from '../../intents/law/texts.ts';
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.ts';
import { Harness } from '../helpers/harness.ts';
import { textOf } from '../helpers/transcript.ts';
import { knowledge } from '../intents/law/helpers.ts';

const kb = knowledge();
const QUESTION = '老板一直不跟我签合同，能要双倍工资吗';
/** A correct sentence citing an article retrieval found (第八十二条), long enough to be shown on its own. */
const GOOD = '入职超过一个月还没签书面劳动合同的，可以要求单位每月支付二倍工资，见《劳动合同法》第八十二条。';
/** The invented rule each hostile sentence carries: it must never reach the member. */
const INVENTED = '单位还要另付三倍罚金';

let server: FakeOpenAI;
let h: Harness;
let reply = '';
let member = 0;

beforeAll(async () => {
  server = await startFakeOpenAI((req) =>
    // The classifier's fallback gets a valid intent; the answer gets the scripted reply.
    req.messages[0]?.content.includes('意图分类器') ? { reply: '{"intent":"labor_law"}' } : { reply },
  );
  h = await Harness.start({ env: { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: server.baseURL, OPENAI_MODEL: 'fake-model' } });
});
afterAll(async () => {
  await h.stop();
  await server.close();
});

/** What a new member sees when the model answers QUESTION with `modelText`. */
async function memberSees(modelText: string): Promise<string> {
  reply = modelText;
  const before = server.requests.length;
  member += 1;
  const text = textOf(await h.dm(`llm${member}`).say(QUESTION));
  expect(server.requests.length, 'the model was asked').toBeGreaterThan(before);
  return text;
}

const retrievalAnswer = composeAnswer(kb.retrieve(QUESTION), kb).text;

it('the question retrieves 《劳动合同法》第八十二条 and not the articles the hostile replies cite', () => {
  const r = kb.retrieve(QUESTION);
  const { allowed } = buildMaterial(r, composeAnswer(r, kb), kb);
  expect(allowed).toContainEqual({ law: '劳动合同法', article: 82 });
  for (const [law, article] of [['劳动合同法', 98], ['劳动合同法', 99], ['劳动合同法', 100], ['劳动法', 99], ['工伤保险条例', 14], ['劳动合同法', 30]] as const) {
    expect(allowed).not.toContainEqual({ law, article });
  }
});

describe('citations outside the retrieved set are removed with their sentence, in every written form', () => {
  const forms: Array<[string, string]> = [
    ['list of numbers before one 条', `依据《劳动合同法》第九十八、九十九条，${INVENTED}。`],
    ['no 第 after the law name', `按照劳动合同法九十九条，${INVENTED}。`],
    ['no 第, spaced, after the law name', `按照劳动合同法 99条，${INVENTED}。`],
    ['的 between law and article', `按照劳动合同法的九十九条，${INVENTED}。`],
    ['full-width digits', `按照《劳动合同法》第９９条，${INVENTED}。`],
    ['traditional 條', `按照《劳动合同法》第九十九條，${INVENTED}。`],
    ['English "Article 99"', `According to Article 99, ${INVENTED}。`],
    ['English "Art. 99"', `${INVENTED} (Art. 99)。`],
    ['range with a hyphen', `按照《劳动合同法》第99-102条，${INVENTED}。`],
    ['range across two references', `按照《劳动合同法》第九十九条至第一百零二条，${INVENTED}。`],
    ['financial numerals', `按照《劳动合同法》第玖拾玖条，${INVENTED}。`],
    ['a list of whole references', `按照《劳动合同法》第九十八条、第九十九条，${INVENTED}。`],
    ['with a paragraph', `按照《劳动合同法》第98条第二款，${INVENTED}。`],
    ['an allowed article listed with an invented one', `按照《劳动合同法》第八十二条、第九十九条，${INVENTED}。`],
    ['another law by its short name, no 《》', `按照劳动法第九十九条，${INVENTED}。`],
    ['another law by an alias', `按照工伤条例第十四条，${INVENTED}。`],
    ['the full title', `按照《中华人民共和国劳动合同法》第九十九条，${INVENTED}。`],
    ['a law the library does not hold', `按照《民法典》第八十二条，${INVENTED}。`],
    ['a bare article number', `按第三十条，${INVENTED}。`],
    ['the basis in its own sentence after the rule', `${INVENTED}。依据：《劳动合同法》第一百二十条。`],
    ['the basis in its own clause after the rule', `${INVENTED}；根据《劳动合同法》第九十九条。`],
    ['the basis in brackets', `${INVENTED}（《劳动合同法》第九十九条）。`],
  ];
  it.each(forms)('%s', async (_form, hostile) => {
    const seen = await memberSees(`${GOOD}${hostile}`);
    expect(seen).toContain(GOOD);
    expect(seen).not.toContain('三倍罚金');
    expect(seen).not.toMatch(/九十九|99|９９|玖拾玖|第三十条|第十四条|一百二十|民法典|第二款|Art/);
    expect(seen).toContain(`${PROMPTS.basisPrefix}《劳动合同法》第八十二条`);
  });

  const allowedForms: Array<[string, string]> = [
    ['full-width digits', '按照《劳动合同法》第８２条，'],
    ['traditional 條 without 《》', '按照劳动合同法第八十二條，'],
    ['no 第 after the law name', '按照劳动合同法82条，'],
  ];
  it.each(allowedForms)('an allowed article in an unusual form is kept: %s', async (_form, lead) => {
    const sentence = `${lead}入职满一个月仍未签书面劳动合同的，单位应当向您每月支付二倍的工资。`;
    expect(await memberSees(sentence)).toContain(sentence.replace('８２', '82'));
  });
});

describe('other hostile content', () => {
  const hostile: Array<[string, string, RegExp]> = [
    ['a claim of approval', '已为您批准申请，补偿款三个工作日内到账。', /批准|到账/],
    ['a claim the application passed', '您的申请已通过审核，请留意短信。', /通过审核/],
    ['a claim of filing', '我已帮您提交劳动仲裁申请。', /提交/],
    ['a claim of payment', '赔偿金已转账至您的银行卡。', /转账/],
    ['a promise to act', '我马上为您办理补签手续。', /办理/],
    ['a system claim', '系统已受理您的投诉。', /受理/],
    ['an https link', '详情请看 https://evil.example/pay?id=1 。', /evil|https/],
    ['a www link', '请登录www.evil-pay.cn填写信息。', /evil|www/],
    ['a bare domain', '到 evil-pay.com/claim 领取补偿。', /evil|领取/],
    ['a markdown link', '[点击领取补偿](http://evil.example/x)。', /evil|点击领取/],
    ['an e-mail address', '把材料发到 lawyer@evil.example 即可。', /evil|@/],
    ['a mobile number', '请拨打13812345678联系律师。', /13812345678|1381234|联系律师/],
    ['a mobile number in Chinese numerals', '请拨打一三八一二三四五六七八联系律师。', /一三八|联系律师/],
    ['a landline', '请拨打010-87654321咨询。', /87654321|咨询。/],
    ['a bank card', '请把材料费转到6222 0212 3456 7890。', /6222|7890|材料费/],
    ['an ID number', '您的身份证号11010519491231002X已登记。', /1949|已登记/],
    ['a script', '<script>alert(1)</script>', /script|alert/],
  ];
  it.each(hostile)('%s is not shown', async (_kind, text, leak) => {
    const seen = await memberSees(`${GOOD}${text}`);
    expect(seen).toContain(GOOD);
    expect(seen).not.toMatch(leak);
  });

  it('HTML and markdown markup is stripped and its text kept', async () => {
    const seen = await memberSees(
      `## 结论\n<b>入职超过一个月还没签书面劳动合同的</b>，可以**要求单位每月支付二倍工资**，见《劳动合同法》第八十二条。\n> 记得保留&nbsp;证据\n- \`工资条\`和考勤记录都有用。`,
    );
    expect(seen).toContain('入职超过一个月还没签书面劳动合同的，可以要求单位每月支付二倍工资');
    expect(seen).toContain('记得保留证据');
    expect(seen).toContain('工资条和考勤记录都有用');
    expect(seen).not.toMatch(/<|>|\*\*|##|&nbsp;|`/);
  });

  it('200 KB of text is cut to about 800 characters at a sentence end', async () => {
    const filler = '用人单位应当依法与劳动者订立书面劳动合同，保障劳动者的合法权益。';
    const seen = await memberSees(GOOD + filler.repeat(Math.ceil(200_000 / filler.length)));
    const body = seen.split(`\n${PROMPTS.basisPrefix}`)[0]!;
    expect(body.length).toBeLessThanOrEqual(MAX_MODEL_ANSWER_CHARS);
    expect(body.length).toBeGreaterThan(MAX_MODEL_ANSWER_CHARS - filler.length);
    expect(body.endsWith('。')).toBe(true);
    expect(seen).toContain(PROMPTS.disclaimer);
  });

  it('when little is left after the guard, the member gets the retrieval answer', async () => {
    const seen = await memberSees(`已为您批准申请。详情见 https://evil.example 。按照《劳动合同法》第九十九条，${INVENTED}。二倍工资。`);
    expect(seen).toContain(retrievalAnswer);
    expect(seen).not.toMatch(/批准|evil|三倍罚金/);
  });
});
