/** Admin review commands, the member's 补充材料 command and the member's status view. */
import type { CommandSpec, CoreDeps, TurnContext, TurnResult } from '../../src/core/service.ts';
import type { Reply } from '../../src/core/message.ts';
import { P, STATUS_LABELS } from './texts.ts';
import type { ClaimsServices } from './context.ts';
import { CLAIM_NO_RE, ClaimForbiddenError, ClaimStateError, type Actor, type Claim } from './store.ts';
import { maskCard } from '../../src/core/text.ts';
import { chinaDateTime, chinaToday, formatYuan, maskText, parseAmountCents } from '../../src/kit/fields.ts';

const actorOf = (ctx: TurnContext): Actor => ({ key: ctx.member, roles: ctx.roles });
const say = (text: string): TurnResult => ({ replies: [{ text }] });
const day = (iso: string) => chinaToday(new Date(iso));

/** Splits "HZ-20261122-0001 rest of line" into the claim number and the rest. */
export function parseClaimArgs(args: string): { no: string; rest: string } | null {
  const m = new RegExp(`^\\s*(${CLAIM_NO_RE.source})\\s*([\\s\\S]*)$`, 'i').exec(args);
  return m?.[1] ? { no: m[1].toUpperCase(), rest: (m[2] ?? '').trim() } : null;
}

function mapStateError(err: unknown, no: string): TurnResult {
  if (err instanceof ClaimStateError) {
    switch (err.code) {
      case 'not_found':
        return say(P.admin.notFound(no));
      case 'bad_status':
        return say(P.admin.badStatus(no, err.detail.status ?? 'pending'));
      case 'over_claim_limit':
        return say(P.admin.overClaimLimit(err.detail.limitCents ?? 0));
      case 'over_year_limit':
        return say(P.admin.overYearLimit(err.detail.remainingCents ?? 0));
      case 'conflict':
        return say(P.admin.conflict);
    }
  }
  throw err;
}

/** The review commands (role admin, private chat only). */
export function adminCommands(deps: CoreDeps, s: ClaimsServices): CommandSpec[] {
  const guard = (ctx: TurnContext): TurnResult | null => (ctx.msg.chatType === 'private' ? null : say(P.admin.privateOnly));

  /** Runs a state change, then tells the member through the durable outbox. */
  const decide = async (ctx: TurnContext, no: string, change: () => Promise<Claim>, notice: (c: Claim) => string, done: (c: Claim) => string) => {
    let claim: Claim;
    try {
      claim = await change();
    } catch (err) {
      if (err instanceof ClaimForbiddenError) return say(P.admin.notFound(no));
      return mapStateError(err, no);
    }
    await deps.notifier.notify(claim.address, [{ text: notice(claim) }]);
    return say(done(claim));
  };

  return [
    {
      names: ['claims', '审核列表', '待审核'],
      role: 'admin',
      summary: '/claims 或「审核列表」：查看待审核的互助申请',
      async run(ctx) {
        const refused = guard(ctx);
        if (refused) return refused;
        const actor = actorOf(ctx);
        const [claims, total] = await Promise.all([s.store.listPending(actor, 30), s.store.pendingCount(actor)]);
        if (claims.length === 0) return say(P.admin.queueEmpty);
        const lines = claims.map((c) => P.admin.queueLine(c.no, maskText(c.applicant.name), c.planName, formatYuan(c.amountCents), day(c.submittedAt)));
        return say([P.admin.queueHeader(total), ...lines, P.admin.queueFooter].join('\n'));
      },
    },
    {
      names: ['claim', '申请详情', '查看申请'],
      role: 'admin',
      summary: '/claim 编号 或「申请详情 编号」：查看申请详情和材料',
      async run(ctx, args) {
        const refused = guard(ctx);
        if (refused) return refused;
        const parsed = parseClaimArgs(args);
        if (!parsed) return say(P.admin.usageClaim);
        const found = await s.store.getForAdmin(actorOf(ctx), parsed.no, ctx.now);
        if (!found) return say(P.admin.notFound(parsed.no));
        const { claim: c, secrets } = found;
        const e = c.event;
        const lines = [
          `【${c.no}】${c.planName}｜${STATUS_LABELS[c.status]}`,
          `申请人：${c.applicant.name}｜身份证：${secrets.idNumber}｜手机：${secrets.mobile}`,
          `工作单位：${c.applicant.workUnit}`,
          [e.admissionDate && `入院 ${e.admissionDate}`, e.dischargeDate && `出院 ${e.dischargeDate}`, e.diagnosisDate && `确诊 ${e.diagnosisDate}`, e.accidentDate && `事故 ${e.accidentDate}`]
            .filter(Boolean)
            .join('｜'),
          `医院：${e.hospital}｜诊断：${secrets.diagnosis}`,
          `自付金额：${formatYuan(c.amountCents)} 元｜预计互助金：${formatYuan(c.estimatedPayoutCents)} 元${c.payoutCents !== undefined ? `｜已批准：${formatYuan(c.payoutCents)} 元` : ''}`,
          `银行卡：${secrets.bankCard}（${c.bank.bankName}）`,
          `同意书：${c.consent.version}，${chinaDateTime(c.consent.at)}`,
          `材料 ${c.documents.length} 份：${c.documents.map((d) => d.docName).join('、')}`,
          '记录：',
          ...c.history.map((h) => P.statusHistoryLine(chinaDateTime(h.at), h.status, h.note)),
        ];
        const files: Reply[] = [];
        for (const d of c.documents) {
          try {
            files.push({ file: { name: `${d.docName}-${d.name}`, mimeType: d.mimeType, data: await s.documents.read(d) } });
          } catch (err) {
            deps.logger.error({ err, claim: c.no, sha256: d.sha256 }, 'claim document unreadable');
            files.push({ text: P.admin.documentMissing(d.name) });
          }
        }
        return { replies: [{ text: lines.join('\n') }, ...files] };
      },
    },
    {
      names: ['approve', '批准', '通过'],
      role: 'admin',
      summary: '/approve 编号 金额 备注 或「批准 编号 金额 备注」',
      async run(ctx, args) {
        const refused = guard(ctx);
        if (refused) return refused;
        const parsed = parseClaimArgs(args);
        const m = parsed && /^(\S+)\s*([\s\S]*)$/.exec(parsed.rest);
        const amount = m?.[1] ? parseAmountCents(m[1]) : null;
        if (!parsed || !m || !amount?.ok) return say(P.admin.usageApprove);
        const note = (m[2] ?? '').trim();
        return decide(
          ctx,
          parsed.no,
          () => s.store.approve(actorOf(ctx), parsed.no, amount.value, note, ctx.now),
          (c) => P.notifyApproved(c.no, c.planName, c.payoutCents ?? amount.value, c.bank.cardLast4, note),
          (c) => P.admin.approved(c.no, c.payoutCents ?? amount.value),
        );
      },
    },
    {
      names: ['reject', '驳回', '不通过'],
      role: 'admin',
      summary: '/reject 编号 理由 或「驳回 编号 理由」',
      async run(ctx, args) {
        const refused = guard(ctx);
        if (refused) return refused;
        const parsed = parseClaimArgs(args);
        if (!parsed || !parsed.rest) return say(P.admin.usageReject);
        return decide(
          ctx,
          parsed.no,
          () => s.store.reject(actorOf(ctx), parsed.no, parsed.rest, ctx.now),
          (c) => P.notifyRejected(c.no, c.planName, parsed.rest),
          (c) => P.admin.rejected(c.no),
        );
      },
    },
    {
      // 「补充材料」 is the member's command (below), so the admin alias is 「要求补充」.
      names: ['needmore', '要求补充', '退回补充'],
      role: 'admin',
      summary: '/needmore 编号 说明 或「要求补充 编号 说明」：请申请人补充材料',
      async run(ctx, args) {
        const refused = guard(ctx);
        if (refused) return refused;
        const parsed = parseClaimArgs(args);
        if (!parsed || !parsed.rest) return say(P.admin.usageNeedMore);
        return decide(
          ctx,
          parsed.no,
          () => s.store.requestMore(actorOf(ctx), parsed.no, parsed.rest, ctx.now),
          (c) => P.notifyNeedMore(c.no, c.planName, parsed.rest),
          (c) => P.admin.neededMore(c.no),
        );
      },
    },
  ];
}

/** Starts the supplement flow for one of the member's claims in needs_more (number optional when only one). */
export async function startSupplement(ctx: TurnContext, s: ClaimsServices, args: string): Promise<TurnResult> {
  const actor = actorOf(ctx);
  const given = parseClaimArgs(args)?.no ?? CLAIM_NO_RE.exec(ctx.text)?.[0]?.toUpperCase();
  let claim: Claim | null;
  if (given) {
    claim = await s.store.getForMember(actor, given);
    if (!claim) return say(P.supplementNotFound(given));
  } else {
    const waiting = (await s.store.listForMember(actor)).filter((c) => c.status === 'needs_more');
    if (waiting.length === 0) return say(P.supplementNothing);
    if (waiting.length > 1) return say(P.supplementWhich(waiting.map((c) => c.no)));
    claim = waiting[0] ?? null;
    if (!claim) return say(P.supplementNothing);
  }
  if (claim.status !== 'needs_more') return say(P.supplementNotNeeded(claim.no, claim.status));
  return s.form.startSupplement(ctx, claim.no, claim.request);
}

/** The member's own claims (or one of them, by number) with their status history. */
export async function memberStatus(ctx: TurnContext, s: ClaimsServices): Promise<TurnResult> {
  const actor = actorOf(ctx);
  const asked = CLAIM_NO_RE.exec(ctx.text)?.[0]?.toUpperCase();
  const render = (c: Claim, withHistory: boolean): string[] => {
    const lines = [P.statusLine(c.no, c.planName, c.status, day(c.submittedAt))];
    if (c.payoutCents !== undefined && c.status === 'approved') lines.push(P.statusPayout(c.payoutCents));
    if (withHistory) lines.push(...c.history.map((h) => P.statusHistoryLine(day(h.at), h.status, h.status === 'pending' ? undefined : h.note)));
    if (c.status === 'needs_more') lines.push(`  ${P.statusNeedsMore(c.no)}`);
    return lines;
  };
  if (asked) {
    const claim = await s.store.getForMember(actor, asked);
    if (!claim) return say(P.statusNotFound(asked));
    return say([...render(claim, true), `  银行卡：${maskCard(claim.bank.cardLast4)}`].join('\n'));
  }
  const claims = await s.store.listForMember(actor);
  if (claims.length === 0) return say(P.statusNone);
  return say([P.statusHeader(claims.length), ...claims.flatMap((c) => render(c, true))].join('\n'));
}
