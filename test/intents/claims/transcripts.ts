/** Reusable claim transcripts: replayable through the in-process harness and every real channel (test/helpers/transcript.ts). */
import type { InboundAttachment } from '../../../src/core/message.ts';
import type { Step } from '../../helpers/transcript.ts';
import { CLAIMS_NOW, jpg, luhnCard, pdf, png, validId } from './data.ts';

export const CARD = luhnCard('622202123456789012');
export const ID = validId();
export const MOBILE = '13812345678';

export type PlanKey = 'hospital' | 'critical_illness' | 'accident' | 'female_special';

const OPENERS: Record<PlanKey, string> = {
  hospital: '我要申请住院医疗互助',
  critical_illness: '申请重大疾病互助',
  accident: '我要申请意外伤害互助',
  female_special: '我要申请女职工特殊疾病互助',
};

const DAY_MS = 86_400_000;

/** A day relative to `today` in China time, as YYYY-MM-DD. */
function chinaDay(today: Date, daysBefore: number): string {
  return new Date(today.getTime() - daysBefore * DAY_MS + 8 * 3600_000).toISOString().slice(0, 10);
}

/** Event dates in several formats members type, all within every plan's filing deadline. */
function datesFor(plan: PlanKey, today: Date): Step[] {
  const [, m, d] = chinaDay(today, 0).split('-').map(Number);
  switch (plan) {
    case 'hospital':
      return [
        { say: chinaDay(today, 20), expect: '出院日期' },
        { say: chinaDay(today, 12).replace(/-/g, '/'), expect: '医院' },
      ];
    case 'critical_illness': {
      const [cy, cm, cd] = chinaDay(today, 45).split('-').map(Number);
      return [{ say: `${cy}年${cm}月${cd}日`, expect: '医院' }];
    }
    case 'accident':
      // "M月D日" means this year: today's date is valid whatever the day.
      return [{ say: `${m}月${d}日`, expect: '医院' }];
    case 'female_special':
      return [{ say: chinaDay(today, 53), expect: '医院' }];
  }
}

const DOC_COUNT: Record<PlanKey, number> = { hospital: 5, critical_illness: 4, accident: 5, female_special: 4 };

/** Consent → all questions → all required documents → the summary. Ends at the confirm question. */
export function applicationUntilSummary(plan: PlanKey, name = '张三', today: Date = CLAIMS_NOW): Step[] {
  const files: InboundAttachment[] = [jpg('出院小结.jpg'), pdf('发票.pdf'), png('清单.png'), jpg('身份证.jpg'), jpg('银行卡.jpg')];
  return [
    { say: OPENERS[plan], expect: ['个人信息保护法', '第二十八条', '同意'] },
    { say: '同意', expect: '姓名' },
    { say: name, expect: '身份证号' },
    { say: ID, expect: '手机号' },
    { say: MOBILE, expect: '工作单位' },
    { say: '市第一机床厂', expect: plan === 'hospital' ? '入院日期' : '日期' },
    ...datesFor(plan, today),
    { say: '市第一人民医院', expect: '诊断结果' },
    { say: plan === 'accident' ? '右手桡骨骨折' : '急性阑尾炎', expect: '自付' },
    { say: '3560.50', expect: '银行卡号' },
    { say: CARD, expect: '开户银行' },
    { say: '中国工商银行朝阳支行', expect: ['上传', '身份证正反面', '❌'] },
    ...files.slice(0, DOC_COUNT[plan] - 1).map((f) => ({ say: '', files: [f], expect: ['已收到', '还缺'] })),
    { say: '', files: [files[4] ?? jpg()], expect: ['已收到', '所需材料已齐'] },
    {
      say: '完成',
      expect: ['请核对', name, `110***********${ID.slice(-4)}`, '138****5678', `****${CARD.slice(-4)}`, '3560.50 元', '预计互助金', '确认提交'],
      not: [ID, CARD, MOBILE],
    },
  ];
}

export const SUBMIT: Step = { say: '确认提交', expect: /已提交，编号 HZ-\d{8}-\d{4}/ };
