/**
 * A day's work in the web console, in Chromium against the real bot, with members on the real web chat API:
 * claims submitted through chat reviewed in full (documents previewed, duplicates flagged, the amount prefilled
 * from the plan's rule, confirmation, the member notified, 下一份, the CSV for finance); an event created in the
 * console, registered for from chat and checked in in the console; a ticket answered from the console reaching
 * the member. Every page is screenshotted at desktop and phone size, every form field checked for a label.
 */
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InboundAttachment } from '../../../src/core/message.ts';
import { createLogger } from '../../../src/core/logger.ts';
import { play, textOf } from '../../helpers/transcript.ts';
import { applicationUntilSummary, CARD, ID, SUBMIT } from '../../intents/claims/transcripts.ts';
import { ClaimsService } from '../../../intents/claims/service.ts';
import { broadcastService } from '../../../intents/broadcasts/service.ts';
import { cli, login, realPdf, realPng, shoot, startConsoleRig, type ConsoleRig } from './setup.ts';

let rig: ConsoleRig;
let page: Page;
let url: string;
/** Clicks made in the console while reviewing, counted by `click`. */
let clicks = 0;
const click = async (p: Page, role: 'link' | 'button', name: string | RegExp) => {
  clicks++;
  await p.getByRole(role, { name, exact: typeof name === 'string' }).first().click();
};

/** The bot's warnings and errors, parsed. */
const logged: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString().split('\n').filter(Boolean)) logged.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

beforeAll(async () => {
  rig = await startConsoleRig({ BOT_ADMINS: 'web:admin1', BOT_STAFF: 'web:staff1' }, { logger: createLogger('warn', sink) });
  url = rig.ch.url;
  await cli(rig, ['add', 'wang', '--role', 'admin', '--password-stdin'], 'admin-password-1');
  await cli(rig, ['add', 'li', '--role', 'staff', '--password-stdin'], 'staff-password-1');
  page = await rig.browser.newPage();
}, 60_000);
afterEach(() => {
  expect(rig.errors.splice(0)).toEqual([]);
});
afterAll(async () => {
  await rig?.stop();
});

/** A whole application through the web chat, with real images and a real PDF; returns the claim number. */
async function applyInChat(member: string, name: string, files: InboundAttachment[]): Promise<string> {
  let i = 0;
  const steps = applicationUntilSummary('hospital', name, new Date()).map((s) => (s.files ? { ...s, files: [files[i++ % files.length] as InboundAttachment] } : s));
  const out = await play(rig.ch, [...steps, SUBMIT], member);
  const no = /HZ-\d{8}-\d{4}/.exec(textOf(out.at(-1) ?? []))?.[0];
  expect(no).toBeTruthy();
  return no ?? '';
}

const photo = realPng(320, 200, [40, 120, 200]);
const docs = (): InboundAttachment[] => [
  { name: '出院小结.png', mimeType: 'image/png', data: photo },
  { name: '发票.pdf', mimeType: 'application/pdf', data: realPdf('Invoice 3560.50') },
  { name: '清单.png', mimeType: 'image/png', data: realPng(200, 300, [200, 80, 40]) },
  { name: '身份证.png', mimeType: 'image/png', data: realPng(240, 150, [90, 160, 90]) },
  { name: '银行卡.png', mimeType: 'image/png', data: realPng(240, 150, [160, 90, 160]) },
];

describe('互助审核', () => {
  let first = '';
  let second = '';

  it('claims submitted in chat reach the queue, and admins get one chat summary', async () => {
    first = await applyInChat('member1', '张三', docs());
    const notice = await rig.ch.notification('admin1', /互助审核提醒/, 10_000);
    expect(notice).toMatch(/有 1 份互助申请新进入审核队列/);
    // The same person, card and a same photo again: a second claim, flagged as a possible duplicate.
    second = await applyInChat('member2', '张三', [docs()[0] as InboundAttachment, ...docs().slice(1)]);
    expect(second).not.toBe(first);
    // Within CLAIM_ALERT_MINUTES no second message; when the window ends, one summary of what arrived meanwhile.
    await expect(rig.ch.notification('admin1', /互助审核提醒/, 1500)).rejects.toThrow();
    const claims = new ClaimsService(rig.ch.engine.deps);
    expect(await claims.sendAlertIfDue()).toBe(false);
    await rig.ch.engine.deps.redis.del(`${rig.ch.engine.config.REDIS_KEY_PREFIX}claims:alert:window`);
    expect(await claims.sendAlertIfDue()).toBe(true);
    expect(await rig.ch.notification('admin1', /互助审核提醒/, 10_000)).toMatch(/有 1 份互助申请新进入审核队列.*目前共 2 份待审核/);
    expect(await claims.sendAlertIfDue()).toBe(false);
  });

  it('an admin reviews a claim: full fields, previews, duplicates, rule working, approve with confirmation; the member is notified; 下一份', async () => {
    await login(page, url, 'wang', 'admin-password-1');
    await expect.poll(() => page.textContent('nav.main')).toMatch(/互助审核\s*2/);
    await shoot(page, 'overview');
    await page.goto(`${url}/console/claims`);
    await shoot(page, 'claims-queue');
    expect(await page.textContent('main')).toContain('张*');

    clicks = 0;
    const docResponses: { url: string; status: number; type: string }[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/documents/')) docResponses.push({ url: r.url(), status: r.status(), type: r.headers()['content-type'] ?? '' });
    });
    await click(page, 'link', first);
    await page.waitForURL(`${url}/console/claims/${first}`);
    const main = (await page.textContent('main')) ?? '';
    // Every field, decrypted on this page only.
    for (const shown of ['张三', ID, '13812345678', CARD, '急性阑尾炎', '市第一人民医院', '中国工商银行朝阳支行', '3560.50']) expect(main).toContain(shown);
    expect(main).toContain('同一身份证号');
    expect(main).toContain('同一银行卡');
    expect(main).toContain('相同的材料文件');
    expect(main).toContain('本年度已获批准');
    expect(main).toContain('给付规则');
    // The previews load: every image decodes, the PDF is served as a PDF for the frame.
    await expect.poll(() => page.$$eval('.docs img', (imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth))).toEqual([320, 200, 240, 240]);
    await expect.poll(() => docResponses.find((r) => r.type === 'application/pdf')?.status).toBe(200);
    const views = (await rig.ch.engine.deps.audit.recent(200)).filter((e) => e.target === first);
    expect(views.some((e) => e.action === 'claim.view' && e.actor === 'console:wang')).toBe(true);
    expect(views.filter((e) => e.action === 'claim.document.view')).toHaveLength(5);
    await shoot(page, 'claim');

    const amount = await page.getByLabel('批准金额（元）').inputValue();
    expect(amount).toMatch(/^\d+\.\d{2}$/);
    expect(await page.textContent('#decision')).toContain(`${amount} 元`);
    await click(page, 'button', '批准');
    await expect.poll(() => page.textContent('#decision')).toContain(`确认批准申请 ${first}，互助金 ${amount} 元？`);
    await shoot(page, 'claim-confirm');
    // Nothing happened before the confirmation.
    expect((await rig.ch.engine.deps.audit.recent(50)).some((e) => e.action === 'claim.approve')).toBe(false);
    await click(page, 'button', '确认');
    await page.waitForURL(`${url}/console/claims/${first}?done=approve`);
    expect(await page.textContent('main')).toContain('已批准，已通知申请人');
    const reviewClicks = clicks;
    expect(reviewClicks).toBe(3);
    process.stdout.write(`CLICKS: reviewing one claim from the queue took ${reviewClicks} clicks (open, 批准, 确认); 下一份 opens the next\n`);

    const told = await rig.ch.notification('member1', /已审核通过/, 10_000);
    expect(told).toContain(`互助金 ${amount.replace(/\.00$/, '')} 元`);
    const approved = (await rig.ch.engine.deps.audit.recent(50)).find((e) => e.action === 'claim.approve');
    expect(approved?.actor).toBe('console:wang');

    await click(page, 'link', '下一份');
    await page.waitForURL(`${url}/console/claims/${second}`);
  });

  it('asks for more with confirmation; a bad amount is refused with the form kept; the approved list exports as CSV with BOM', async () => {
    await page.getByLabel('批准金额（元）').fill('abc');
    await page.getByRole('button', { name: '批准', exact: true }).click();
    await expect.poll(() => page.textContent('#decision')).toContain('请输入金额');
    expect(await page.getByLabel('批准金额（元）').inputValue()).toBe('abc');
    await page.getByLabel('需要补充什么（会告知申请人）').fill('请补充住院费用明细清单');
    await page.getByRole('button', { name: '要求补充材料' }).click();
    await expect.poll(() => page.textContent('#decision')).toContain(`确认要求申请 ${second} 补充材料？`);
    await page.getByRole('button', { name: '确认' }).click();
    await page.waitForURL(/done=needmore/);
    expect(await rig.ch.notification('member2', /需要补充材料：请补充住院费用明细清单/, 10_000)).toContain(second);

    await page.goto(`${url}/console/claims?status=approved`);
    expect(await page.textContent('main')).toContain(first);
    await page.goto(`${url}/console/claims?status=&q=${second}`);
    expect(await page.textContent('tbody')).toContain(second);
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: '导出 CSV' }).click();
    const file = readFileSync((await (await download).path()) ?? '');
    expect([...file.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const csv = file.toString('utf8');
    expect(csv).toContain(first);
    expect(csv).toContain(CARD);
    expect(csv).not.toContain(second);
    expect((await rig.ch.engine.deps.audit.recent(20)).some((e) => e.action === 'claim.export' && e.actor === 'console:wang')).toBe(true);
  });
});

/** A China date some days ahead, as YYYY-MM-DD. */
const daysAhead = (n: number) => new Date(Date.now() + n * 86_400_000 + 8 * 3600_000).toISOString().slice(0, 10);

describe('活动', () => {
  let id = '';

  it('a staff member creates an event in the console; a bad field is refused with everything typed kept', async () => {
    await login(page, url, 'li', 'staff-password-1');
    await page.goto(`${url}/console/events`);
    await page.getByRole('link', { name: '发布活动' }).click();
    await page.getByLabel('标题', { exact: true }).fill('职工羽毛球赛');
    await page.getByLabel('简介', { exact: true }).fill('欢迎报名');
    await page.getByLabel('开始时间', { exact: true }).fill('明天');
    await page.getByLabel('结束时间', { exact: true }).fill('11:30');
    await page.getByLabel('地点', { exact: true }).fill('厂区体育馆');
    await page.getByLabel('名额', { exact: true }).fill('30');
    await shoot(page, 'event-new');
    await page.getByRole('button', { name: '发布' }).click();
    // "明天" without a time is refused by the same rule as in chat; the rest stays.
    expect(await page.textContent('main')).toContain('没看懂这个时间');
    expect(await page.getByLabel('标题', { exact: true }).inputValue()).toBe('职工羽毛球赛');
    expect(await page.getByLabel('地点', { exact: true }).inputValue()).toBe('厂区体育馆');
    await page.getByLabel('开始时间', { exact: true }).fill(`${daysAhead(3)} 09:00`);
    await page.getByRole('button', { name: '发布' }).click();
    await page.waitForURL(/\/console\/events\/\d+\?published=0/);
    id = /events\/(\d+)/.exec(page.url())?.[1] ?? '';
    expect(await page.textContent('main')).toContain(`活动已发布（ID ${id}）`);
    const created = (await rig.ch.engine.deps.audit.recent(20)).find((e) => e.action === 'event.create');
    expect(created?.actor).toBe('console:li');
  });

  it('members register from chat; staff search the roster and check several in at once', async () => {
    await play(rig.ch, [
      { say: '报名 羽毛球赛', expect: '请输入您的姓名' },
      { say: '刘建国', expect: '手机' },
      { say: '13900001111', expect: '工作单位' },
      { say: '第一机床厂', expect: '记住' },
      { say: '否', expect: '请确认报名信息' },
      { say: '确认', expect: ['报名成功', '第 1 位'] },
    ], 'runner1');
    await play(rig.ch, [
      { say: '报名 羽毛球赛', expect: '请输入您的姓名' },
      { say: '孙丽', expect: '手机' },
      { say: '13900002222', expect: '工作单位' },
      { say: '第二机床厂', expect: '记住' },
      { say: '否', expect: '请确认报名信息' },
      { say: '确认', expect: ['报名成功', '第 2 位'] },
    ], 'runner2');
    await page.goto(`${url}/console/events/${id}`);
    expect(await page.textContent('#roster')).toContain('已签到 0 / 2 人');
    await page.getByLabel('查找姓名或手机').fill('孙丽');
    await page.getByRole('button', { name: '查找' }).click();
    await page.waitForURL(/q=/);
    expect(await page.textContent('#roster tbody')).not.toContain('刘建国');
    // Checked in from the search's results, the roster stays on them.
    await page.getByLabel('选择 孙丽').check();
    await page.getByRole('button', { name: '签到', exact: true }).click();
    await expect.poll(() => page.textContent('#roster')).toContain('✅ 孙丽 已签到');
    expect(await page.textContent('#roster')).toContain('已签到 1 / 2 人');
    expect(await page.textContent('#roster tbody')).not.toContain('刘建国');
    await page.goto(`${url}/console/events/${id}`);
    await shoot(page, 'event');
    await page.getByLabel('选择 刘建国').check();
    await page.getByRole('button', { name: '签到', exact: true }).click();
    await expect.poll(() => page.textContent('#roster')).toContain('已签到 2 / 2 人');
    expect(await page.textContent('#roster')).toContain('✅ 刘建国 已签到');
    expect((await rig.ch.engine.deps.audit.recent(30)).filter((e) => e.action === 'event.checkin' && e.actor === 'console:li')).toHaveLength(2);
    // Each look at the roster is audited as a view (the search without its words); only a download is an export.
    const looked = (await rig.ch.engine.deps.audit.recent(40)).filter((e) => e.actor === 'console:li' && e.action.startsWith('event.roster'));
    expect(new Set(looked.map((e) => e.action))).toEqual(new Set(['event.roster_view']));
    expect(looked.map((e) => e.note)).toContain('search: 1 found');
  });

  it('an edit follows the chat rules and tells the registrants; cancelling asks first, then tells everyone', async () => {
    await page.getByLabel('地点', { exact: true }).fill('市体育中心');
    await page.getByRole('button', { name: '保存修改' }).click();
    expect(await page.textContent('main')).toContain('已修改：地点，已通知 2 位报名者');
    expect(await rig.ch.notification('runner1', /市体育中心/, 10_000)).toContain('羽毛球赛');
    await page.getByLabel('名额', { exact: true }).fill('第2个');
    await page.getByRole('button', { name: '保存修改' }).click();
    expect(await page.textContent('main')).toContain('名额请填');

    await page.getByLabel('取消原因（会通知所有报名者和群）').fill('场馆检修');
    await page.getByRole('button', { name: '取消活动' }).click();
    await expect.poll(() => page.textContent('#cancel')).toContain('确认取消「职工羽毛球赛」？将通知 2 位');
    await page.getByRole('button', { name: '确认取消活动' }).click();
    await page.waitForURL(/cancelled=2/);
    expect(await rig.ch.notification('runner2', /场馆检修/, 10_000)).toContain('羽毛球赛');
    await page.goto(`${url}/console/events`);
    await shoot(page, 'events');
  });
});

describe('工单', () => {
  it('a ticket from chat is read in the console with its whole conversation; the reply reaches the member privately; closed', async () => {
    await play(rig.ch, [
      { say: '公司三个月没发工资了', expect: '依据' },
      { say: '转人工', expect: '工单' },
      { say: '我还想补充一下<b>粗体</b><script>alert(1)</script>' },
    ], 'worker1');
    await page.goto(`${url}/console/`);
    await expect.poll(() => page.textContent('nav.main')).toMatch(/工单\s*1/);
    await page.goto(`${url}/console/tickets`);
    await shoot(page, 'tickets');
    await page.getByRole('link', { name: /^RG-/ }).first().click();
    const conversation = (await page.textContent('.conversation')) ?? '';
    expect(conversation).toContain('公司三个月没发工资了');
    expect(conversation).toContain('转人工');
    // What a member typed is shown as text, never as markup (a script would also show up as a CSP error).
    expect(conversation).toContain('<b>粗体</b><script>alert(1)</script>');
    expect(await page.locator('.conversation b').count()).toBe(0);
    await shoot(page, 'ticket');
    await page.getByLabel('回复成员（成员将在私聊中收到）').fill('您好，请带上工资条到工会办公室，我们帮您联系法律援助。');
    await page.getByRole('button', { name: '发送回复' }).click();
    await page.waitForURL(/sent=1/);
    expect(await rig.ch.notification('worker1', /工资条到工会办公室/, 10_000)).toBeTruthy();
    expect(await page.textContent('.conversation')).toContain('工作人员 console:li');
    await page.getByRole('button', { name: '关闭工单' }).click();
    await page.waitForURL(/closed=/);
    expect(await page.textContent('main')).toContain('已关闭');
    const actions = (await rig.ch.engine.deps.audit.recent(30)).filter((e) => e.actor === 'console:li').map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['ticket.view', 'ticket.reply', 'ticket.close']));
  });

  it('an unreadable ticket met on a console page is left out, and the warning carries the request’s id', async () => {
    const opened = textOf(await rig.ch.dm('worker2').say('转人工'));
    const ticket = /RG-\d{8}-\d{4}/.exec(opened)?.[0] ?? '';
    expect(ticket).not.toBe('');
    await rig.ch.engine.deps.redis.set(rig.ch.engine.deps.keys.tagged('tickets', 'ticket', ticket), '{"status":');
    logged.length = 0;
    await page.goto(`${url}/console/tickets`);
    expect(await page.textContent('main')).not.toContain(ticket);
    const warning = logged.find((l) => l['record'] === `ticket ${ticket}`);
    expect(warning?.['msg']).toBe('corrupt record ignored (not JSON)');
    expect(warning?.['reqId']).toMatch(/^[0-9a-f]{8}-/);
  });
});

describe('审计日志 and the rest', () => {
  it('the audit log filters by actor, action, target and date; every console action is there under the account', async () => {
    await login(page, url, 'wang', 'admin-password-1');
    await page.goto(`${url}/console/audit`);
    await page.getByLabel('操作人').fill('console:li');
    await page.getByLabel('操作', { exact: true }).fill('event.checkin');
    await page.getByRole('button', { name: '筛选' }).click();
    await page.waitForURL(/action=event.checkin/);
    const rows = await page.locator('tbody tr').count();
    expect(rows).toBe(2);
    await shoot(page, 'audit');
    await page.goto(`${url}/console/audit?target=HZ-&from=2000-01-01&to=2000-01-02`);
    expect(await page.textContent('main')).toContain('没有符合条件的记录');
    await page.goto(`${url}/console/groups`);
    await shoot(page, 'groups');
  });
});

describe('群发', () => {
  it('a broadcast composed in the console is previewed, sent, and its per-target report shows who got it', async () => {
    await login(page, url, 'li', 'staff-password-1');
    await page.goto(`${url}/console/broadcasts`);
    await page.getByLabel('通知内容').fill('本周五下午工会活动室开放，欢迎参加。');
    await page.getByLabel('发送对象').selectOption('staff');
    await shoot(page, 'broadcasts');
    await page.getByRole('button', { name: '预览' }).click();
    expect(await page.textContent('main')).toContain('预览（成员将看到下面这条消息）');
    expect(await page.textContent('main')).toContain('本周五下午工会活动室开放');
    await shoot(page, 'broadcast-preview');
    // Nothing is sent before the confirmation.
    expect((await rig.ch.engine.deps.audit.recent(20)).some((e) => e.action === 'broadcast.create')).toBe(false);
    await page.getByRole('button', { name: '确认发送' }).click();
    await page.waitForURL(/\/console\/broadcasts\/\d+\?outcome=/);
    expect(await rig.ch.notification('staff1', /工会活动室开放/, 15_000)).toContain('欢迎参加');
    await expect
      .poll(async () => {
        await page.reload();
        return page.textContent('main');
      }, { timeout: 15_000 })
      .toMatch(/已发送[\s\S]*已发送/);
    await shoot(page, 'broadcast-report');
    const created = (await rig.ch.engine.deps.audit.recent(50)).find((e) => e.action === 'broadcast.create');
    expect(created?.actor).toBe('console:li');
    await page.goto(`${url}/console/`);
    expect(await page.textContent('main')).toContain('进行中的群发');
    await page.goto(`${url}/console/subscribers`);
    expect(await page.textContent('main')).toContain('共 0 位');
    // Many subscribers are shown a page at a time, in member order.
    const { store } = broadcastService(rig.ch.engine.deps);
    for (let i = 0; i < 120; i++) await store.subscribe(`web:sub${String(i).padStart(3, '0')}`, { platform: 'web', chatId: `sub${i}`, chatType: 'private' });
    await page.goto(`${url}/console/subscribers`);
    expect(await page.textContent('main')).toMatch(/共 120 位[\s\S]*第 1 \/ 3 页/);
    expect(await page.locator('main tbody tr').count()).toBe(50);
    await click(page, 'link', '下一页');
    expect(await page.locator('main tbody tr').first().textContent()).toContain('web:sub050');
    expect(await page.textContent('main')).toContain('第 2 / 3 页');
    await shoot(page, 'subscribers');
  });
});
