/** The claims' chat side outside the form: parse arguments, call an operation (service.ts), render texts. */
import { actorOf } from '../../../src/core/actor.ts';
import type { Reply } from '../../../src/core/message.ts';
import type { CommandSpec, TurnContext, TurnResult } from '../../../src/core/service.ts';
import { maskCard } from '../../../src/core/text.ts';
import { chinaToday, formatYuan, maskText, parseAmountCents } from '../../../src/kit/fields.ts';
import type { ClaimForms } from '../form.ts';
import { ClaimStateError, type ClaimsService } from '../service.ts';
import { CLAIM_NO_RE, type Claim } from '../store.ts';
import { P } from '../texts.ts';

/** What the three claim intents share: the operations and the forms. */
export interface ClaimsChat {
  service: ClaimsService;
  forms: ClaimForms;
}

const say = (text: string): TurnResult => ({ replies: [{ text }] });
const day = (iso: string) => chinaToday(new Date(iso));

/** Splits "HZ-20261122-0001 rest of line" into the claim number and the rest. */
export function parseClaimArgs(args: string): { no: string; rest: string } | null {
  const m = new RegExp(`^\\s*(${CLAIM_NO_RE.source})\\s*([\\s\\S]*)$`, 'i').exec(args);
  return m?.[1] ? { no: m[1].toUpperCase(), rest: (m[2] ?? '').trim() } : null;
}

/** A decision by the reviewer; the operation itself tells the member. */
async function decide(no: string, change: () => Promise<Claim>, done: (c: Claim) => string): Promise<TurnResult> {
  try {
    return say(done(await change()));
  } catch (err) {
    if (!(err instanceof ClaimStateError)) throw err;
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
}

/** The review commands; the router checks the admin role and keeps them out of group chats. */
export function adminCommands({ service }: ClaimsChat): CommandSpec[] {
  return [
    {
      names: ['claims', '审核列表', '待审核'],
      role: 'admin',
      summary: P.commands.claims,
      async run(ctx) {
        const actor = actorOf(ctx);
        const [claims, total] = await Promise.all([service.listPending(actor, 30), service.pendingCount(actor)]);
        if (claims.length === 0) return say(P.admin.queueEmpty);
        const lines = claims.map((c) => P.admin.queueLine(c.no, maskText(c.applicant.name), c.planName, formatYuan(c.amountCents), day(c.submittedAt)));
        return say([P.admin.queueHeader(total), ...lines, P.admin.queueFooter].join('\n'));
      },
    },
    {
      names: ['claim', '申请详情', '查看申请'],
      role: 'admin',
      summary: P.commands.claim,
      async run(ctx, args) {
        const parsed = parseClaimArgs(args);
        if (!parsed) return say(P.admin.usageClaim);
        const actor = actorOf(ctx);
        const found = await service.review(actor, parsed.no);
        if (!found) return say(P.admin.notFound(parsed.no));
        const { claim, secrets } = found;
        const files: Reply[] = [];
        for (const d of claim.documents) {
          const data = await service.readDocument(actor, claim, d);
          files.push(data ? { file: { name: `${d.docName}-${d.name}`, mimeType: d.mimeType, data, ref: service.documentRef(actor, claim, d) } } : { text: P.admin.documentMissing(d.name) });
        }
        return { replies: [{ text: P.admin.detail(claim, secrets) }, ...files] };
      },
    },
    {
      names: ['approve', '批准', '通过'],
      role: 'admin',
      summary: P.commands.approve,
      async run(ctx, args) {
        const parsed = parseClaimArgs(args);
        const m = parsed && /^(\S+)\s*([\s\S]*)$/.exec(parsed.rest);
        const amount = m?.[1] ? parseAmountCents(m[1]) : null;
        if (!parsed || !m || !amount?.ok) return say(P.admin.usageApprove);
        const note = (m[2] ?? '').trim();
        return decide(parsed.no, () => service.approve(actorOf(ctx), parsed.no, amount.value, note), (c) => P.admin.approved(c.no, c.payoutCents ?? amount.value));
      },
    },
    {
      names: ['reject', '驳回', '不通过'],
      role: 'admin',
      summary: P.commands.reject,
      async run(ctx, args) {
        const parsed = parseClaimArgs(args);
        if (!parsed || !parsed.rest) return say(P.admin.usageReject);
        return decide(parsed.no, () => service.reject(actorOf(ctx), parsed.no, parsed.rest), (c) => P.admin.rejected(c.no));
      },
    },
    {
      // 「补充材料」 is the member's command, so the admin alias is 「要求补充」.
      names: ['needmore', '要求补充', '退回补充'],
      role: 'admin',
      summary: P.commands.needmore,
      async run(ctx, args) {
        const parsed = parseClaimArgs(args);
        if (!parsed || !parsed.rest) return say(P.admin.usageNeedMore);
        return decide(parsed.no, () => service.requestMore(actorOf(ctx), parsed.no, parsed.rest), (c) => P.admin.neededMore(c.no));
      },
    },
  ];
}

/** Starts the supplement flow for one of the member's claims in needs_more (number optional when only one). */
export async function startSupplement({ service, forms }: ClaimsChat, ctx: TurnContext, args: string): Promise<TurnResult> {
  const actor = actorOf(ctx);
  const given = parseClaimArgs(args)?.no ?? CLAIM_NO_RE.exec(ctx.text)?.[0]?.toUpperCase();
  let claim: Claim | null;
  if (given) {
    claim = await service.myClaim(actor, given);
    if (!claim) return say(P.supplementNotFound(given));
  } else {
    const waiting = (await service.myClaims(actor)).filter((c) => c.status === 'needs_more');
    if (waiting.length > 1) return say(P.supplementWhich(waiting.map((c) => c.no)));
    claim = waiting[0] ?? null;
    if (!claim) return say(P.supplementNothing);
  }
  if (claim.status !== 'needs_more') return say(P.supplementNotNeeded(claim.no, claim.status));
  return forms.startSupplement(ctx, claim.no, claim.request);
}

/** The member's own claims (or one of them, by number) with their status history. */
export async function memberStatus({ service }: ClaimsChat, ctx: TurnContext): Promise<TurnResult> {
  const actor = actorOf(ctx);
  const asked = CLAIM_NO_RE.exec(ctx.text)?.[0]?.toUpperCase();
  const render = (c: Claim): string[] => {
    const lines = [P.statusLine(c.no, c.planName, c.status, day(c.submittedAt))];
    if (c.payoutCents !== undefined && c.status === 'approved') lines.push(P.statusPayout(c.payoutCents));
    lines.push(...c.history.map((h) => P.statusHistoryLine(day(h.at), h.status, h.status === 'pending' ? undefined : h.note)));
    if (c.status === 'needs_more') lines.push(`  ${P.statusNeedsMore(c.no)}`);
    return lines;
  };
  if (asked) {
    const claim = await service.myClaim(actor, asked);
    if (!claim) return say(P.statusNotFound(asked));
    return say([...render(claim), P.statusCard(maskCard(claim.bank.cardLast4))].join('\n'));
  }
  const claims = await service.myClaims(actor);
  if (claims.length === 0) return say(P.statusNone);
  return say([P.statusHeader(claims.length), ...claims.flatMap(render)].join('\n'));
}
