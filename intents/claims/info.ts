/** Answers questions about the mutual-aid plans from the plans data (no model involved). */
import type { Reply } from '../../src/core/message.ts';
import { planMentioned, type Plan, type PlansFile } from './plans.ts';
import { P } from './texts.ts';

type Topic = 'documents' | 'limits' | 'deadline' | 'eligibility' | 'waiting';
const TOPICS: Array<[Topic, RegExp]> = [
  ['documents', /材料|资料|单据|发票|证明|小结|准备|手续|原件|复印/],
  ['waiting', /等待期|观察期/],
  ['deadline', /时限|多久|期限|多长时间|超过|过期|天内|来得及|什么时候/],
  ['limits', /多少钱|额度|最高|金额|比例|怎么报|报多少|给多少|赔多少|标准|封顶/],
  ['eligibility', /谁|参加|加入|资格|条件|合同工|派遣|年龄|交钱|缴|出钱|入会|覆盖|范围|哪些病|病种|保哪些|算不算/],
];

export function topicsOf(text: string): Topic[] {
  return TOPICS.filter(([, re]) => re.test(text)).map(([t]) => t);
}

function line(plan: Plan, topic: Topic): string {
  switch (topic) {
    case 'documents':
      return P.infoDocuments(plan);
    case 'limits':
      return `${P.infoPayout(plan)}\n${P.infoLimits(plan)}`;
    case 'deadline':
      return P.infoDeadline(plan, P.eventLabel[plan.eventDate]);
    case 'eligibility':
      return P.infoEligibility(plan);
    case 'waiting':
      return P.infoCover(plan);
  }
}

/** A topic-only follow-up ("等待期多久", "那材料呢") that does not ask about the plans in general ("互助都要等多久"). */
const GENERAL = /互助|项目|都|各|每个|哪些|所有/;

/**
 * The answer to a question about the plans: the named plan in full (or the asked topic), else an overview.
 * `previous` is the plan the member just asked about: a topic-only follow-up is about that plan.
 */
export function answerPlanQuestion(file: PlansFile, text: string, previous?: Plan): Reply[] {
  const topics = topicsOf(text);
  const plan = planMentioned(file, text) ?? (previous && topics.length > 0 && !GENERAL.test(text) ? previous : undefined);
  if (plan) {
    const body =
      topics.length > 0
        ? topics.map((t) => line(plan, t))
        : [P.infoEligibility(plan), P.infoCover(plan), P.infoPayout(plan), P.infoLimits(plan), P.infoDeadline(plan, P.eventLabel[plan.eventDate]), P.infoDocuments(plan), P.infoNotes(plan)];
    return [{ text: [P.infoPlanHeader(plan), ...body.filter(Boolean), P.infoApply(file)].join('\n') }];
  }
  if (topics.length > 0 && !(topics.length === 1 && topics[0] === 'eligibility')) {
    const blocks = file.plans.map((p) => [P.infoPlanHeader(p), ...topics.map((t) => line(p, t))].join('\n'));
    return [{ text: [...blocks, P.infoApply(file)].join('\n\n') }];
  }
  const lines = [P.infoOverviewHeader(file), ...file.plans.map((p, i) => P.infoOverviewLine(i, p))];
  if (topics.includes('eligibility')) lines.push(...file.plans.map(P.infoEligibilityLine));
  lines.push(P.infoOverviewFooter(file));
  return [{ text: lines.join('\n') }];
}
