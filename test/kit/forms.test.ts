/** The form engine on its own: a small form, no Redis; the dialog goes through JSON every turn, as in the session. */
import { createLogger } from '../../src/core/logger.ts';
import { describe, expect, it } from 'vitest';
import { renderText, type Reply } from '../../src/core/message.ts';
import type { TurnContext, TurnResult } from '../../src/core/service.ts';
import { emptySession, type Dialog } from '../../src/core/session.ts';
import { validateMobile, validateName } from '../../src/kit/fields.ts';
import { Form, RESUME_GAP_MS } from '../../src/kit/forms/engine.ts';
import { fieldTypes } from '../../src/kit/forms/types.ts';
import type { FieldSpec, FormSpec, FormView } from '../../src/kit/forms/spec.ts';
import { isNo, isYes } from '../../src/kit/words.ts';
import { inbound } from '../helpers/engine.ts';

const T0 = Date.UTC(2026, 10, 22, 2);
const submitted: Array<Readonly<Record<string, unknown>>> = [];

const consent: FieldSpec = {
  id: 'consent',
  label: '同意',
  fixed: true,
  ask: () => ({ text: '同意收集您的信息吗？', choices: ['同意', '不同意'] }),
  parse: (text) => (isYes(text) ? { ok: true, value: true } : isNo(text) || text === '取消' ? { ok: 'end', replies: [{ text: '已取消，没有保存任何信息。' }] } : { ok: false, error: '请回复同意或不同意。' }),
};
const fields: FieldSpec[] = [
  consent,
  { id: 'name', label: '姓名', ask: () => ({ text: '请输入姓名：' }), parse: (t) => { const r = validateName(t); return r.ok ? { ok: true, value: r.value } : { ok: false, error: '姓名格式不对。' }; } },
  {
    id: 'mobile',
    label: '手机号',
    aliases: ['电话', '手机'],
    sensitive: true,
    ask: () => ({ text: '请输入手机号：' }),
    parse: (t) => { const r = validateMobile(t); return r.ok ? { ok: true, value: r.value } : { ok: false, error: '手机号格式不对。' }; },
    show: (f) => f.str('mobile')?.replace(/^(\d{3})\d{4}/, '$1****'),
  },
  {
    id: 'kind',
    label: '类型',
    ask: () => ({ text: '请选择类型：', choices: ['住院', '门诊'] }),
    // Changing the type drops the hospital, which only a hospital stay asks for.
    parse: (t, f) => (t === '1' || t === '住院' ? { ok: true, value: 'hospital' } : t === '2' || t === '门诊' ? { ok: true, value: 'clinic', clear: f.str('kind') === 'hospital' ? ['hospital'] : [] } : { ok: false, error: '请回复 1 或 2。' }),
  },
  { id: 'hospital', label: '医院', when: (f) => f.str('kind') === 'hospital', ask: () => ({ text: '请输入医院：' }), parse: (t) => ({ ok: true, value: t }) },
];

function spec(over: Partial<FormSpec> = {}): FormSpec {
  return {
    id: 'demo',
    version: 1,
    intent: 'demo_intent',
    fields,
    confirmCancel: true,
    sealer: { seal: (f, v) => `sealed:${f}:${Buffer.from(v).toString('base64')}`, unseal: (f, s) => Buffer.from(s.slice(`sealed:${f}:`.length), 'base64').toString() },
    confirm: { ask: (f: FormView, _ctx, shown) => ({ text: ['请核对：', ...form.summaryLines(f, shown)].join('\n'), choices: ['确认提交', '修改某一项', '取消'] }), unclear: '请回复 1、2 或 3。' },
    submit: async (f) => (submitted.push(f.values), { done: true, replies: [{ text: '已提交。' }] }),
    ...over,
  };
}
let form = new Form(spec(), { resumeHours: 48 });

/** One member talking to one form; the dialog goes through JSON like the session in Redis. */
function member(f: Form = form) {
  let dialog: Dialog | null = null;
  let now = T0;
  const ctx = (text: string, classified?: TurnContext['classified']): TurnContext => ({
    msg: inbound({ text }), member: 'web:u1', roles: new Set(), session: emptySession(now), history: async () => [], text, now: new Date(now), log: createLogger('silent'), beforeWrite: () => undefined, ...(classified ? { classified } : {}),
  });
  const apply = (r: TurnResult) => {
    if (r.dialog !== undefined) dialog = r.dialog === null ? null : (JSON.parse(JSON.stringify(r.dialog)) as Dialog);
    return r;
  };
  return {
    start: async () => text(apply(await f.start(ctx('我要申请'))).replies),
    say: async (t: string, classified?: TurnContext['classified']) => {
      if (!dialog) throw new Error('no form open');
      const r = apply(await f.continue(ctx(t, classified), dialog));
      return { text: text(r.replies), passThrough: r.passThrough === true };
    },
    reprompt: () => text(f.reprompt(ctx(''), dialog as Dialog)),
    get dialog() {
      return dialog;
    },
    wait: (ms: number) => (now += ms),
  };
}
const text = (replies: Reply[]) => replies.map(renderText).join('\n');

async function toSummary(m: ReturnType<typeof member>) {
  await m.start();
  await m.say('同意');
  await m.say('张三');
  await m.say('13812345678');
  await m.say('1');
  return (await m.say('市一医院')).text;
}

describe('form engine', () => {
  it('asks each applicable field in order, re-asks with the error on a bad answer, and submits after the summary', async () => {
    const m = member();
    expect(await m.start()).toContain('同意收集');
    expect((await m.say('同意')).text).toBe('请输入姓名：');
    expect((await m.say('张三')).text).toBe('请输入手机号：');
    expect((await m.say('12345')).text).toBe('手机号格式不对。\n请输入手机号：');
    expect((await m.say('13812345678')).text).toContain('请选择类型');
    expect((await m.say('1')).text).toBe('请输入医院：');
    const summary = (await m.say('市一医院')).text;
    expect(summary).toContain('手机号：138****5678');
    expect(summary).not.toContain('13812345678');
    submitted.length = 0;
    expect((await m.say('确认提交')).text).toBe('已提交。');
    expect(submitted[0]).toMatchObject({ name: '张三', mobile: '13812345678', kind: 'hospital', hospital: '市一医院' });
    expect(m.dialog).toBeNull();
  });

  it('keeps sensitive answers sealed in the stored dialog', async () => {
    const m = member();
    await toSummary(m);
    const stored = JSON.stringify(m.dialog);
    expect(stored).not.toContain('13812345678');
    expect(stored).toContain('sealed:mobile:');
  });

  it('返回 goes back one question showing the current answer; at the first question it says so', async () => {
    const m = member();
    await m.start();
    await m.say('同意');
    expect((await m.say('返回')).text).toContain('第一个问题');
    await m.say('张三');
    const back = (await m.say('上一步')).text;
    expect(back).toContain('请输入姓名');
    expect(back).toContain('当前填写的是：张三');
  });

  it('"改一下电话" changes one field and returns to the summary', async () => {
    const m = member();
    await toSummary(m);
    expect((await m.say('改一下电话')).text).toContain('请输入手机号');
    expect((await m.say('13987654321')).text).toContain('手机号：139****4321');
  });

  it('修改 at the summary lists the fields (not consent); a number picks one', async () => {
    const m = member();
    await toSummary(m);
    const menu = (await m.say('2')).text;
    expect(menu).toContain('1. 姓名');
    expect(menu).not.toContain('同意');
    expect((await m.say('1')).text).toContain('请输入姓名');
    expect((await m.say('李四')).text).toContain('姓名：李四');
  });

  it('an answer that changes the shape drops what no longer applies, and asks what became missing', async () => {
    const m = member();
    await toSummary(m);
    await m.say('改一下类型');
    const summary = (await m.say('门诊')).text;
    expect(summary).toContain('请核对');
    expect(summary).not.toContain('医院');
    await m.say('改一下类型');
    expect((await m.say('住院')).text).toBe('请输入医院：');
  });

  it('取消 asks first; 继续填写 keeps every answer and re-asks; 确定取消 ends', async () => {
    const m = member();
    await m.start();
    await m.say('同意');
    await m.say('张三');
    expect((await m.say('取消')).text).toContain('确定要取消吗');
    expect((await m.say('你好')).text).toContain('1 确定取消（已填写的内容将被删除），或 2 继续填写。\n1. 确定取消\n2. 继续填写');
    expect((await m.say('继续填写')).text).toBe('好的，我们继续。\n请输入手机号：');
    await m.say('不填了');
    expect((await m.say('确定取消')).text).toContain('已取消');
    expect(m.dialog).toBeNull();
  });

  it('without confirmCancel, 取消 ends at once; at a fixed question the field decides', async () => {
    const quick = member(new Form(spec({ confirmCancel: false, texts: { cancelled: '好的，不填了。' } }), { resumeHours: 48 }));
    await quick.start();
    await quick.say('同意');
    expect((await quick.say('取消')).text).toBe('好的，不填了。');
    const gate = member();
    await gate.start();
    expect((await gate.say('取消')).text).toBe('已取消，没有保存任何信息。');
  });

  it('lets a question or another service through, but never digits or small talk', async () => {
    const m = member();
    await m.start();
    await m.say('同意');
    await m.say('张三');
    expect((await m.say('公司拖欠工资怎么办？')).passThrough).toBe(true);
    expect((await m.say('我要报名篮球赛', { intent: 'event_register', confidence: 0.9 })).passThrough).toBe(true);
    expect((await m.say('1381234', { intent: 'event_register', confidence: 0.9 })).passThrough).toBe(false);
    const hello = await m.say('你好', { intent: 'help', confidence: 0.9, casual: true });
    expect(hello).toEqual({ text: '我们继续填写：\n请输入手机号：', passThrough: false });
    expect((await m.say('/tickets')).passThrough).toBe(true);
  });

  it('resumes after a restart and after a long pause, and restarts politely when the form changed', async () => {
    const m = member();
    await m.start();
    await m.say('同意');
    expect(m.reprompt()).toBe('我们继续填写：\n请输入姓名：');
    m.wait(RESUME_GAP_MS);
    expect(m.reprompt()).toBe('您上次的表格还没填完，我们继续：\n请输入姓名：');
    expect((await m.say('李四')).text).toBe('请输入手机号：');
    const changed = new Form(spec({ version: 2 }), { resumeHours: 48 });
    const r = await changed.continue({ ...ctxOf('王五') }, m.dialog as Dialog);
    expect(r).toMatchObject({ dialog: null, replies: [{ text: '表格已更新，之前未完成的内容无法继续使用，请重新填写。' }] });
  });

  it('checks one answer outside a dialog with the same rule', async () => {
    expect(await form.check('mobile', '12345', ctxOf(''))).toEqual({ ok: false, error: '手机号格式不对。' });
    expect(await form.check('mobile', '138 1234 5678', ctxOf(''))).toEqual({ ok: true, value: '13812345678' });
  });

  it('an answer may bring other answers with it and say something before the next question', async () => {
    const known: FieldSpec = { ...fields[1] as FieldSpec, id: 'member', label: '会员号', parse: (t) => ({ ok: true, value: t, also: { name: '王五', mobile: '13812345678' }, replies: [{ text: '已找到您的资料。' }] }) };
    const m = member(new Form(spec({ fields: [known, ...fields.slice(1)] }), { resumeHours: 48 }));
    await m.start();
    expect((await m.say('A100')).text).toBe('已找到您的资料。\n请选择类型：\n1. 住院\n2. 门诊');
    expect(JSON.stringify(m.dialog)).not.toContain('13812345678');
    expect((await m.say('2')).text).toContain('手机号：138****5678');
  });

  it('a submit that is not done keeps the form open at the question it names', async () => {
    form = new Form(spec({ submit: async () => ({ done: false, replies: [{ text: '姓名重复了。' }], ask: 'name' }) }), { resumeHours: 48 });
    const m = member();
    await toSummary(m);
    expect((await m.say('确认')).text).toBe('姓名重复了。\n请输入姓名：\n（当前填写的是：张三，直接回复新的内容即可修改）');
    form = new Form(spec(), { resumeHours: 48 });
  });
});

describe('a form that collects files', () => {
  const upload = new Form(
    {
      id: 'upload',
      version: 1,
      intent: 'demo_intent',
      fields: [
        {
          id: 'files',
          label: '文件',
          takesFiles: true,
          ask: () => ({ text: '请发送文件，发完回复「完成」。' }),
          parse: (t, f) =>
            t !== '完成' ? { ok: false, error: '请发送文件。' } : (f.meta['count'] as number) > 0 ? { ok: true, value: true } : { ok: 'stay', replies: [{ text: '还没有收到文件。' }], bare: true },
        },
      ],
      onFiles: async (f) => {
        f.meta['count'] = ((f.meta['count'] as number) ?? 0) + 1;
        return [{ text: `已收到第 ${String(f.meta['count'])} 个文件。` }];
      },
      submit: async (f) => ({ done: true, replies: [{ text: `共 ${String(f.meta['count'])} 个。` }] }),
    },
    { resumeHours: 48 },
  );
  const photo = { name: 'a.jpg', mimeType: 'image/jpeg', data: Buffer.from([0xff, 0xd8, 0xff]) };
  const withFile = (text: string): TurnContext => ({ ...ctxOf(text), msg: inbound({ text, attachments: [photo] }) });

  it('files in the opening message follow the question; a bare stay says only its replies; 完成 submits', async () => {
    const opened = await upload.start(withFile(''), { meta: { count: 0 } });
    expect(opened.replies.map(renderText)).toEqual(['请发送文件，发完回复「完成」。', '已收到第 1 个文件。']);
    const dialog = opened.dialog as Dialog;
    expect(upload.canContinue(dialog)).toBe(true);
    const second = await upload.continue(withFile(''), dialog);
    expect(second.replies.map(renderText)).toEqual(['已收到第 2 个文件。']);
    expect(upload.reprompt(ctxOf(''), { ...(second.dialog as Dialog), filled: { ...(second.dialog as Dialog).filled, values: { files: true } } }).map(renderText)).toEqual([
      '我们继续填写：',
      '请发送文件，发完回复「完成」。',
    ]);
    expect((await upload.continue(ctxOf('完成'), second.dialog as Dialog)).replies.map(renderText)).toEqual(['共 2 个。']);
    const empty = (await upload.start(ctxOf(''), { meta: { count: 0 } })).dialog as Dialog;
    expect((await upload.continue(ctxOf('完成'), empty)).replies.map(renderText)).toEqual(['还没有收到文件。']);
  });

  it('canContinue: only a readable draft of this form at this version', async () => {
    const dialog = (await upload.start(ctxOf(''), { meta: { count: 0 } })).dialog as Dialog;
    expect(upload.canContinue({ ...dialog, v: 0 })).toBe(false);
    expect(upload.canContinue({ ...dialog, filled: { kind: 'older shape' } })).toBe(false);
    expect(form.canContinue(dialog)).toBe(false);
  });
});

function ctxOf(text: string): TurnContext {
  return { msg: inbound({ text }), member: 'web:u1', roles: new Set(), session: emptySession(T0), history: async () => [], text, now: new Date(T0), log: createLogger('silent'), beforeWrite: () => undefined };
}

describe('field types', () => {
  const error = (code: string) => `错误:${code}`;
  const ctx = ctxOf('');
  const view: FormView = { values: {}, meta: {}, str: () => undefined, num: () => undefined };
  const parse = (f: FieldSpec, t: string) => f.parse(t, view, ctx);

  it('validate and normalize what members type', async () => {
    expect(await parse(fieldTypes.mobile({ id: 'm', label: '手机', ask: '', error }), '+86 138-1234-5678')).toMatchObject({ ok: true, value: '13812345678' });
    expect(await parse(fieldTypes.idNumber({ id: 'i', label: '身份证', ask: '', error }), '110105199003071230')).toEqual({ ok: false, error: '错误:id_checksum' });
    expect(await parse(fieldTypes.bankCard({ id: 'b', label: '卡', ask: '', error }), '4111111111111112')).toEqual({ ok: false, error: '错误:card_checksum' });
    expect(await parse(fieldTypes.bankName({ id: 'n', label: '开户银行', ask: '', error }), '不知道')).toEqual({ ok: false, error: '错误:bank_name' });
    expect(await parse(fieldTypes.money({ id: 'a', label: '金额', ask: '', error }), '1.2万元')).toMatchObject({ ok: true, value: 1_200_000 });
    const count = fieldTypes.count({ id: 'c', label: '名额', ask: '', error, min: 1, max: 1000 });
    expect(await parse(count, '100人')).toMatchObject({ ok: true, value: 100 });
    expect(await parse(count, '１００名')).toMatchObject({ ok: true, value: 100 });
    expect(await parse(count, '5000')).toEqual({ ok: false, error: '错误:count' });
    const when = fieldTypes.dateTime({ id: 't', label: '时间', ask: '', error });
    const tomorrow3pm = Date.UTC(2026, 10, 23, 7);
    expect(await parse(when, '明天下午3点')).toMatchObject({ ok: true, value: tomorrow3pm });
    const size = fieldTypes.choice({ id: 's', label: '尺码', ask: '尺码？', error, options: () => ['S', 'M', 'L'] });
    expect(await parse(size, '2')).toMatchObject({ ok: true, value: 'M' });
    expect(await parse(size, 'l')).toMatchObject({ ok: true, value: 'L' });
    expect(size.ask(view, ctx)).toEqual({ text: '尺码？', choices: ['S', 'M', 'L'] });
  });

  it('mark personal numbers sensitive and mask them in the summary', () => {
    const mobile = fieldTypes.mobile({ id: 'm', label: '手机', ask: '', error });
    expect(mobile.sensitive).toBe(true);
    expect(mobile.show?.({ ...view, str: () => '13812345678' })).toBe('138****5678');
  });

  it('apply the form’s own rule after the type’s', async () => {
    const day = fieldTypes.date({ id: 'd', label: '出院日期', ask: '', error, check: (iso) => (iso < '2026-01-01' ? '超过申请时限' : null) });
    expect(await parse(day, '2025-12-31')).toEqual({ ok: false, error: '超过申请时限' });
    expect(await parse(day, '2099-01-01')).toEqual({ ok: false, error: '错误:date_future' });
    expect(await parse(day, '11月2日')).toMatchObject({ ok: true, value: '2026-11-02' });
  });
});

describe('forms forgive', () => {
  const error = (code: string) => `错误:${code}。`;
  const forgiving: Form = new Form(
    spec({
      confirmCancel: false,
      fields: [
        fieldTypes.name({ id: 'name', label: '姓名', ask: '请输入姓名：', error }),
        fieldTypes.mobile({ id: 'mobile', label: '手机号', aliases: ['电话'], ask: '请输入手机号：', error }),
        fieldTypes.text({ id: 'hospital', label: '医院', ask: '请输入医院：', error, min: 2, max: 50, misfits: [{ like: '病名', test: (t) => /炎$/.test(t) }] }),
        fieldTypes.date({ id: 'day', label: '出院日期', ask: '请输入出院日期：', error, relative: true }),
      ],
      confirm: { ask: (f, _ctx, shown): Reply => ({ text: ['请核对：', ...forgiving.summaryLines(f, shown)].join('\n') }), unclear: '请回复确认。' },
    }),
    { resumeHours: 48 },
  );
  /** The raw replies of one turn, the dialog left as it was. */
  const replies = async (m: ReturnType<typeof member>, t: string) => (await forgiving.continue(ctxOf(t), m.dialog as Dialog)).replies;

  it('a change of mind in a sentence cancels; at a free-text question only one that opens the message does', async () => {
    const m = member(forgiving);
    await m.start();
    expect((await m.say('算了不报了')).text).toBe('已取消，填写的内容已删除。');
    expect(m.dialog).toBeNull();
    const title: FieldSpec = { id: 'title', label: '标题', anyText: true, ask: () => ({ text: '请输入标题：' }), parse: (t) => ({ ok: true, value: t }) };
    const free = member(new Form(spec({ fields: [title], confirmCancel: false }), { resumeHours: 48 }));
    await free.start();
    expect((await free.say('下雨就不参加了')).text).toContain('标题：下雨就不参加了');
    await free.say('改一下标题');
    expect((await free.say('我不填了')).text).toBe('已取消，填写的内容已删除。');
  });

  it('an answer that plainly belongs elsewhere is questioned: refused with why, or (if valid) taken when sent again', async () => {
    const m = member(forgiving);
    await m.start();
    expect((await m.say('13812345678')).text).toBe('您输入的好像是手机号，不是姓名。错误:name。\n请输入姓名：');
    expect((await m.say('周三')).text).toBe('您输入的好像是日期，不是姓名。请重新输入；如果没错，请再发送一次。\n请输入姓名：');
    expect((await m.say('周三')).text).toBe('请输入手机号：');
    await m.say('13812345678');
    expect((await m.say('阑尾炎')).text).toContain('您输入的好像是病名，不是医院');
    expect((await m.say('市一医院')).text).toBe('请输入出院日期：');
    expect((await m.say('上个礼拜三')).text).toContain('出院日期：2026-11-11');
    expect(JSON.stringify(m.dialog)).not.toContain('阑尾炎');
  });

  it('"电话错了，改成…" at the summary changes the field with the new value and returns to the summary', async () => {
    const m = member(forgiving);
    await m.start();
    for (const t of ['张三', '13812345678', '市一医院', '昨天']) await m.say(t);
    expect((await m.say('电话错了，改成13987654321')).text).toContain('手机号：139****4321');
    expect((await m.say('电话错了，改成123')).text).toBe('错误:mobile。\n请输入手机号：\n（当前填写的是：139****4321，直接回复新的内容即可修改）');
    expect((await m.say('返回')).text).toContain('请核对');
  });

  it('an error and its question are one bubble; after three wrong answers the ways out are offered, and 1 / 2 pick them', async () => {
    const m = member(forgiving);
    await m.start();
    expect(await replies(m, '12')).toEqual([{ text: '错误:name。\n请输入姓名：' }]);
    await m.say('12');
    await m.say('好的');
    expect(await replies(m, '34')).toEqual([{ text: '错误:name。\n请输入姓名：\n如果填不下去，可以回复「取消」退出，或回复「转人工」请工作人员帮忙。', choices: ['取消', '转人工'] }]);
    await m.say('34');
    const handoff = ctxOf('2');
    expect(await forgiving.continue(handoff, m.dialog as Dialog)).toEqual({ replies: [], passThrough: true });
    expect(handoff.text).toBe('转人工');
    expect((await m.say('王五')).text).toBe('请输入手机号：');
    for (const t of ['1', '2', '3']) await m.say(t);
    expect((await m.say('1')).text).toBe('已取消，填写的内容已删除。');
  });

  it('at the summary the ways out are words only: "1" there still submits', async () => {
    const m = member(forgiving);
    await m.start();
    for (const t of ['张三', '13812345678', '市一医院', '昨天']) await m.say(t);
    for (const t of ['嗯嗯', '啥']) await m.say(t);
    const stuck = await replies(m, '随便');
    expect(stuck).toEqual([{ text: expect.stringContaining('回复「转人工」请工作人员帮忙') }]);
    submitted.length = 0;
    expect((await m.say('1')).text).toBe('已提交。');
    expect(submitted).toHaveLength(1);
  });
});
