/**
 * The guided claim application as a wizard cursor: `dialog.asking` is the current question, `filled`
 * holds everything entered (sensitive values encrypted). Each turn validates one answer; a wrong answer
 * gets a friendly message and the same question again, nothing is lost. The next question is always
 * "the first one not yet answered", so 返回, 修改 and plan changes need no special bookkeeping.
 */
import { maskCard, maskId, maskPhone } from '../../src/core/text.ts';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { FieldCipher } from '../../src/core/crypto.ts';
import { ForbiddenError } from '../../src/core/actor.ts';
import type { TurnContext, TurnResult } from '../../src/core/service.ts';
import type { Address, Reply } from '../../src/core/message.ts';
import type { Dialog } from '../../src/core/session.ts';
import type { DocumentStore, StoredFile } from './documents.ts';
import { estimatePayoutCents, findPlan, planMentioned, type Plan, type PlansFile } from './plans.ts';
import { CONSENT_TEXT, CONSENT_VERSION, FIELD_ALIASES, FIELD_LABELS, P, type FieldId } from './texts.ts';
import {
  FORM_VERSION,
  formStateSchema,
  isSensitive,
  type ApplicationState,
  type DraftDoc,
  type SensitiveField,
  type SupplementState,
} from './state.ts';
import { ClaimStateError, type ClaimsService } from './service.ts';
import {
  addDays,
  chinaToday,
  daysBetween,
  isGreeting,
  looksLikeQuestion,
  parseAmountCents,
  parseDate,
  validateBankCard,
  validateBankName,
  validateFreeText,
  validateIdNumber,
  validateMobile,
  validateName,
  type Valid,
} from '../../src/kit/fields.ts';

export const FORM_INTENT = 'claim_submit';
/** After this long without an answer, a returning member is greeted with "您上次的互助申请还没填完". */
export const RESUME_GAP_MS = 30 * 60_000;

type Step = FieldId | 'consent' | 'confirm' | 'choose_edit' | 'cancel_confirm';
const DATE_FIELDS = ['admissionDate', 'dischargeDate', 'diagnosisDate', 'accidentDate'] as const;
type DateField = (typeof DATE_FIELDS)[number];
/** Steps that are questions (as opposed to the chooser and the cancel confirmation). */
const QUESTION_STEPS = new Set<string>(['consent', 'confirm', ...Object.keys(FIELD_LABELS)]);

const KNOWN_STEPS = new Set<string>([...QUESTION_STEPS, 'choose_edit', 'cancel_confirm']);

const RE = {
  cancel: /^(?:取消|取消申请|我要取消|不申请了|不办了|不填了|退出|算了)[。!！]*$/,
  back: /^(?:返回|上一步|上一题|上一个|返回上一步|返回上一题|后退|回退)[。!！]*$/,
  done: /^(?:完成|好了|好|发完了|传完了|上传完了|齐了|没有了|没了|就这些|ok|OK|Ok|完毕|结束)[。!！]*$/,
  yes: /^(?:1|同意|我同意|是|是的|好的|可以|确认|确定|对|嗯|ok|OK)[。!！]*$/,
  no: /^(?:2|不同意|我不同意|否|不|不要|拒绝|不可以|取消)[。!！]*$/,
  submit: /^(?:1|确认|确认提交|提交|确定|确定提交|是|对|没问题|无误|确认无误)[。!！]*$/,
  editMenu: /^(?:2|修改|修改某一项|改|我要修改|要修改|有错|不对)[。!！]*$/,
  cancelMenu: /^(?:3|取消申请)[。!！]*$/,
  cancelYes: /^(?:1|确定取消|确定|确认|是|是的|取消|对)[。!！]*$/,
  cancelNo: /^(?:2|继续填写|继续|否|不|不取消|不要取消|算了)[。!！]*$/,
  nextDoc: /^(?:下一项|下一个|下一份)[。!！]*$/,
  applyAgain: /(?:申请|报|办).{0,4}互助|互助.{0,4}(?:申请|报销)/,
};

/** Recognizes "改一下电话", "修改银行卡", "电话填错了"; returns the field or null. */
export function parseEditRequest(text: string): FieldId | null {
  const t = text.replace(/\s+/g, '');
  const m =
    /^(?:我要|我想|帮我|请|麻烦)?(?:修改|更改|更正|改一下|改下|改|重新填写|重新填|重填|重新输入)(?:一下)?(?:我的|下)?(.{1,10}?)(?:吧|呢)?[。!！]*$/.exec(t) ??
    /^(?:我的)?(.{1,8}?)(?:填错了|写错了|输错了|错了|要改|需要改|要修改)[。!！]*$/.exec(t);
  const target = m?.[1];
  if (!target) return null;
  let best: { field: FieldId; len: number } | null = null;
  for (const [field, aliases] of Object.entries(FIELD_ALIASES) as Array<[FieldId, string[]]>) {
    for (const alias of aliases) {
      if (target.includes(alias) && (!best || alias.length > best.len)) best = { field, len: alias.length };
    }
  }
  return best?.field ?? null;
}

export interface ClaimFormDeps {
  plans: PlansFile;
  cipher: FieldCipher;
  documents: DocumentStore;
  /** The operations the form ends in: submit, and add documents to a claim. */
  claims: Pick<ClaimsService, 'submit' | 'addDocuments'>;
  resumeHours: number;
  logger: Pick<Logger, 'error' | 'warn'>;
}

export class ClaimForm {
  constructor(private readonly d: ClaimFormDeps) {}

  // ---------- entry points ----------

  /** A new application: the consent question first. A plan named in the opening message is pre-selected. */
  start(ctx: TurnContext, prefix: Reply[] = []): TurnResult {
    const state: ApplicationState = {
      kind: 'application',
      draftId: randomUUID(),
      touchedAt: ctx.now.getTime(),
      values: {},
      docs: [],
      docsDone: false,
      trail: [],
    };
    const plan = planMentioned(this.d.plans, ctx.text);
    if (plan) state.values.planId = plan.id;
    return { replies: [...prefix, ...this.question(state, 'consent', ctx)], dialog: this.dialog(ctx, 'consent', state) };
  }

  /** Collecting extra documents for a claim in needs_more; files in the opening message count already. */
  async startSupplement(ctx: TurnContext, claimNo: string, request: string | undefined): Promise<TurnResult> {
    const state: SupplementState = { kind: 'supplement', claimNo, touchedAt: ctx.now.getTime(), docs: [] };
    const replies: Reply[] = [{ text: P.supplementStart(claimNo, request) }];
    if (ctx.msg.attachments.length > 0) replies.push(...(await this.receiveSupplementFiles(ctx, state)));
    return { replies, dialog: this.dialog(ctx, 'supplement', state) };
  }

  /** The current question again, after an interruption or when the member comes back. */
  reprompt(ctx: TurnContext, dialog: Dialog): Reply[] {
    const parsed = this.parse(dialog);
    if (!parsed) return [{ text: P.formRestarted }];
    const state = parsed;
    const gap = ctx.now.getTime() - state.touchedAt >= RESUME_GAP_MS;
    const lead = { text: gap ? P.resume : P.continueAfterInterruption };
    if (state.kind === 'supplement') return [lead, { text: P.supplementStart(state.claimNo, undefined) }];
    return [lead, ...this.question(state, dialog.asking as Step, ctx)];
  }

  async continue(ctx: TurnContext, dialog: Dialog): Promise<TurnResult> {
    const state = dialog.v === FORM_VERSION ? this.parse(dialog) : null;
    const knownStep = state?.kind === 'supplement' ? dialog.asking === 'supplement' : KNOWN_STEPS.has(dialog.asking);
    if (!state || !knownStep) return this.start(ctx, [{ text: P.formRestarted }]);
    if (state.kind === 'supplement') return this.continueSupplement(ctx, state);
    return this.continueApplication(ctx, state, dialog.asking as Step);
  }

  // ---------- the application ----------

  private async continueApplication(ctx: TurnContext, state: ApplicationState, asking: Step): Promise<TurnResult> {
    const text = ctx.text.trim();
    const returning = ctx.now.getTime() - state.touchedAt >= RESUME_GAP_MS;
    state.touchedAt = ctx.now.getTime();
    const go = (step: Step, lead: Reply[] = []) => this.goto(ctx, state, asking, step, lead);
    const stay = (error: string | null): TurnResult => {
      // A member back after a long pause gets the friendly resume line instead of an error.
      // A greeting mid-form is not a wrong answer: just re-ask, without an error.
      const lead = returning ? [{ text: P.resume }] : isGreeting(text) ? [{ text: P.continueAfterInterruption }] : error ? [{ text: error }] : [];
      return { replies: [...lead, ...this.question(state, asking, ctx)], dialog: this.dialog(ctx, asking, state) };
    };
    const notAnAnswer = (error: string | null): TurnResult =>
      this.isInterruption(ctx, text) ? { replies: [], passThrough: true } : stay(error);

    // Files can come at any step; they are kept for the documents step.
    const fileReplies = ctx.msg.attachments.length > 0 && asking !== 'documents' ? await this.receiveFiles(ctx, state) : [];
    if (fileReplies.length > 0 && !text) {
      return { replies: [...fileReplies, ...this.question(state, asking, ctx)], dialog: this.dialog(ctx, asking, state) };
    }

    if (asking === 'consent') {
      if (RE.no.test(text) || RE.cancel.test(text)) return { replies: [{ text: P.consentDeclined }], dialog: null };
      if (RE.yes.test(text)) {
        state.consent = { version: CONSENT_VERSION, at: ctx.now.toISOString() };
        return go(this.nextStep(state));
      }
      return notAnAnswer(P.consentUnclear);
    }

    if (asking === 'cancel_confirm') {
      if (RE.cancelYes.test(text)) return { replies: [{ text: P.cancelled }], dialog: null };
      if (RE.cancelNo.test(text)) return this.goto(ctx, state, asking, (state.resumeAt as Step | undefined) ?? this.nextStep(state), [{ text: P.cancelKept }]);
      // 你好 / 嗯 / 好的 do not say which: ask for 1 or 2 (not "我们继续填写" over a cancel question), delete nothing.
      return { replies: [{ text: P.cancelUnclear, choices: P.cancelChoices }], dialog: this.dialog(ctx, asking, state) };
    }

    // Commands that work at any point of the form.
    if (RE.cancel.test(text) || (asking === 'confirm' && RE.cancelMenu.test(text))) {
      state.resumeAt = asking;
      return { replies: this.question(state, 'cancel_confirm', ctx), dialog: this.dialog(ctx, 'cancel_confirm', state) };
    }
    if (RE.back.test(text)) {
      const prev = state.trail.pop();
      if (!prev || prev === 'consent') {
        if (prev) state.trail.push(prev);
        return { replies: [{ text: P.back.first }, ...this.question(state, asking, ctx)], dialog: this.dialog(ctx, asking, state) };
      }
      return { replies: [{ text: P.back.ok }, ...this.question(state, prev as Step, ctx)], dialog: this.dialog(ctx, prev, state) };
    }
    const edit = parseEditRequest(text);
    if (edit && this.applicable(state).includes(edit)) return go(edit);
    if (RE.applyAgain.test(text) && asking !== 'plan') {
      return { replies: [{ text: P.alreadyFilling }, ...this.question(state, asking, ctx)], dialog: this.dialog(ctx, asking, state) };
    }

    switch (asking) {
      case 'confirm': {
        if (RE.submit.test(text)) return this.submit(ctx, state);
        if (RE.editMenu.test(text)) {
          state.resumeAt = 'confirm';
          return { replies: this.question(state, 'choose_edit', ctx), dialog: this.dialog(ctx, 'choose_edit', state) };
        }
        return notAnAnswer(P.confirmUnclear);
      }
      case 'choose_edit': {
        const fields = this.applicable(state);
        const n = /^\d{1,2}$/.test(text) ? Number(text) : 0;
        const byAlias = Object.entries(FIELD_ALIASES).find(([, a]) => a.includes(text))?.[0] as FieldId | undefined;
        const field = n >= 1 ? fields[n - 1] : byAlias && fields.includes(byAlias) ? byAlias : undefined;
        if (!field) return notAnAnswer(P.chooseEditUnclear);
        return this.goto(ctx, state, (state.resumeAt as Step | undefined) ?? 'confirm', field);
      }
      case 'documents':
        return this.documentsTurn(ctx, state, text, notAnAnswer);
      default: {
        if (!text) return stay(null);
        const result = this.accept(ctx, state, asking, text);
        if (!result.ok) return notAnAnswer(result.error);
        return go(this.nextStep(state), fileReplies);
      }
    }
  }

  /** Validates and stores one answer; returns a Chinese error message on failure. */
  private accept(ctx: TurnContext, state: ApplicationState, field: FieldId, text: string): Valid<true> {
    const today = chinaToday(ctx.now);
    const v = state.values;
    const err = (code: string): Valid<true> => ({ ok: false, error: P.errors[code] ?? P.errors.question ?? '' });
    const set = <T>(r: Valid<T>, apply: (value: T) => void): Valid<true> => {
      if (!r.ok) return err(r.error);
      apply(r.value);
      return { ok: true, value: true };
    };
    switch (field) {
      case 'name':
        return set(validateName(text), (x) => (v.name = x));
      case 'idNumber':
        return set(validateIdNumber(text, today), (x) => this.seal(state, 'idNumber', x));
      case 'mobile':
        return set(validateMobile(text), (x) => this.seal(state, 'mobile', x));
      case 'workUnit':
        return set(validateFreeText(text, 2, 50), (x) => (v.workUnit = x));
      case 'hospital':
        return set(validateFreeText(text, 2, 50), (x) => (v.hospital = x));
      case 'diagnosis':
        return set(validateFreeText(text, 2, 50), (x) => this.seal(state, 'diagnosis', x));
      case 'bankCard':
        return set(validateBankCard(text), (x) => this.seal(state, 'bankCard', x));
      case 'bankName':
        return set(validateBankName(text), (x) => (v.bankName = x));
      case 'plan': {
        const n = /^\d{1,2}$/.test(text) ? Number(text) : 0;
        const plan = n >= 1 ? this.d.plans.plans[n - 1] : planMentioned(this.d.plans, text);
        if (!plan) return err('plan');
        if (v.planId !== plan.id) this.changePlan(state, plan, today);
        return { ok: true, value: true };
      }
      case 'amount': {
        const r = parseAmountCents(text);
        if (!r.ok) return err(r.error);
        const plan = this.plan(state);
        const bad = plan ? this.amountProblem(plan, r.value) : null;
        if (bad) return { ok: false, error: bad };
        v.amountCents = r.value;
        return { ok: true, value: true };
      }
      case 'admissionDate':
      case 'dischargeDate':
      case 'diagnosisDate':
      case 'accidentDate': {
        const r = parseDate(text, today);
        if (!r.ok) return err(r.error);
        const bad = this.dateProblem(state, field, r.value, today);
        if (bad) return { ok: false, error: bad };
        v[field] = r.value;
        return { ok: true, value: true };
      }
      case 'documents':
        return err('question');
    }
  }

  private dateProblem(state: ApplicationState, field: DateField, iso: string, today: string): string | null {
    const v = state.values;
    if (field === 'admissionDate' && v.dischargeDate && iso > v.dischargeDate) return P.errors.admission_after_discharge ?? null;
    if (field === 'dischargeDate' && v.admissionDate) {
      if (iso < v.admissionDate) return P.errors.discharge_before_admission ?? null;
      if (daysBetween(v.admissionDate, iso) > 366) return P.tooManyHospitalDays;
    }
    const plan = this.plan(state);
    if (plan && field === this.eventField(plan)) {
      const last = addDays(iso, plan.filingDeadlineDays);
      if (last < today) return P.deadlinePassed(plan, P.eventLabel[plan.eventDate], last);
    }
    return null;
  }

  private amountProblem(plan: Plan, cents: number): string | null {
    if (cents < Math.round(plan.limits.minAmount * 100)) return P.amountTooSmall(plan);
    if (cents > Math.round(plan.limits.maxReportedAmount * 100)) return P.amountTooLarge(plan);
    return null;
  }

  /** Keeps what still fits the new plan (dates within its deadline, amount within its limits, shared documents). */
  private changePlan(state: ApplicationState, plan: Plan, today: string): void {
    const v = state.values;
    v.planId = plan.id;
    const keep = new Set<string>(this.dateFields(plan));
    for (const f of DATE_FIELDS) {
      const value = v[f];
      if (!keep.has(f) || (value && this.dateProblem(state, f, value, today))) delete v[f];
    }
    if (v.amountCents !== undefined && this.amountProblem(plan, v.amountCents)) delete v.amountCents;
    // Files sent before a plan was chosen count as the first documents still missing.
    for (const doc of state.docs) {
      const missing = doc.docId === 'other' ? this.missingDocs(state, plan)[0] : undefined;
      if (missing) doc.docId = missing.id;
    }
    const ids = new Set(plan.requiredDocuments.map((d) => d.id));
    state.docs = state.docs.filter((doc) => ids.has(doc.docId));
    delete state.docTarget;
    if (this.missingDocs(state, plan).length > 0) state.docsDone = false;
  }

  // ---------- documents ----------

  private async documentsTurn(
    ctx: TurnContext,
    state: ApplicationState,
    text: string,
    notAnAnswer: (e: string | null) => TurnResult,
  ): Promise<TurnResult> {
    const plan = this.plan(state);
    if (!plan) return this.goto(ctx, state, 'documents', 'plan');
    const here = (replies: Reply[]): TurnResult => ({ replies, dialog: this.dialog(ctx, 'documents', state) });
    if (ctx.msg.attachments.length > 0) {
      const replies = await this.receiveFiles(ctx, state);
      const missing = this.missingDocs(state, plan);
      if (missing.length === 0) replies.push({ text: P.documentsAllIn });
      else {
        const next = state.docTarget ? null : missing[0];
        replies.push({ text: P.documentsMissing(missing.map((d) => d.name)) + (next ? P.documentsNext(next.name) : '') });
      }
      return here(replies);
    }
    if (RE.done.test(text)) {
      const missing = this.missingDocs(state, plan);
      if (missing.length > 0) return here([{ text: P.documentsNotDone(missing.map((d) => d.name)) }]);
      state.docsDone = true;
      delete state.docTarget;
      return this.goto(ctx, state, 'documents', this.nextStep(state));
    }
    const n = /^\d{1,2}$/.test(text) ? Number(text) : 0;
    const chosen = n >= 1 ? plan.requiredDocuments[n - 1] : undefined;
    if (chosen) {
      state.docTarget = chosen.id;
      return here([{ text: P.documentTarget(chosen.name) }]);
    }
    if (RE.nextDoc.test(text)) {
      delete state.docTarget;
      const missing = this.missingDocs(state, plan);
      const first = missing[0];
      return here([{ text: first ? P.documentsMissing(missing.map((d) => d.name)) + P.documentsNext(first.name) : P.documentsAllIn }]);
    }
    return notAnAnswer(P.documentsExpectFiles);
  }

  /** Saves each attachment (type/size checked by content) and files it under the target document. */
  private async receiveFiles(ctx: TurnContext, state: ApplicationState): Promise<Reply[]> {
    const plan = this.plan(state);
    return this.saveEach(ctx, (file) => {
      const specs = plan?.requiredDocuments ?? [];
      const target =
        specs.find((d) => d.id === state.docTarget) ??
        this.missingDocs(state, plan).at(0) ??
        specs.find((d) => !state.docs.some((x) => x.docId === d.id)) ??
        specs.at(-1);
      const doc: DraftDoc = { ...file, docId: target?.id ?? 'other' };
      if (!state.docs.some((x) => x.sha256 === doc.sha256 && x.docId === doc.docId)) state.docs.push(doc);
      return P.documentReceived(target?.name ?? P.documentFallbackName);
    });
  }

  /** Stores every attachment (type and size checked by content); `file` files a stored one and says so. */
  private async saveEach(ctx: TurnContext, file: (stored: StoredFile) => string): Promise<Reply[]> {
    const replies: Reply[] = [];
    for (const att of ctx.msg.attachments) {
      const saved = await this.d.documents.save(att);
      replies.push({ text: saved.ok ? file(saved.file) : P.documentRejectedLine(att.name, P.documentRejected[saved.error] ?? '') });
    }
    return replies;
  }

  private missingDocs(state: ApplicationState, plan: Plan | undefined) {
    if (!plan) return [];
    return plan.requiredDocuments.filter((d) => d.required && !state.docs.some((x) => x.docId === d.id));
  }

  // ---------- submit ----------

  private async submit(ctx: TurnContext, state: ApplicationState): Promise<TurnResult> {
    const plan = this.plan(state);
    const next = this.nextStep(state);
    if (!plan || next !== 'confirm' || !state.consent) return this.goto(ctx, state, 'confirm', next);
    const v = state.values;
    const days = v.admissionDate && v.dischargeDate ? Math.max(1, daysBetween(v.admissionDate, v.dischargeDate)) : undefined;
    const address: Address = { platform: ctx.msg.platform, chatId: ctx.msg.chatId, chatType: ctx.msg.chatType };
    try {
      const { claim } = await this.d.claims.submit(
        { key: ctx.member, roles: ctx.roles },
        {
          draftId: state.draftId,
          address,
          plan,
          consent: state.consent,
          name: v.name ?? '',
          idNumber: this.unseal(state, 'idNumber'),
          mobile: this.unseal(state, 'mobile'),
          workUnit: v.workUnit ?? '',
          dates: Object.fromEntries(this.dateFields(plan).map((f) => [f, v[f]])),
          hospital: v.hospital ?? '',
          diagnosis: this.unseal(state, 'diagnosis'),
          amountCents: v.amountCents ?? 0,
          estimatedPayoutCents: estimatePayoutCents(plan, v.amountCents ?? 0, days),
          bankCard: this.unseal(state, 'bankCard'),
          bankName: v.bankName ?? '',
          documents: state.docs.map((d) => ({ ...d, docName: plan.requiredDocuments.find((s) => s.id === d.docId)?.name ?? P.documentFallbackName })),
        },
      );
      return { replies: [{ text: P.submitted(claim.no, this.d.plans.reviewDays) }], dialog: null };
    } catch (err) {
      this.d.logger.error({ err, member: ctx.member, draftId: state.draftId }, 'claim submit failed');
      return { replies: [{ text: P.submitFailed }], dialog: this.dialog(ctx, 'confirm', state) };
    }
  }

  // ---------- supplement ----------

  private async continueSupplement(ctx: TurnContext, state: SupplementState): Promise<TurnResult> {
    const text = ctx.text.trim();
    state.touchedAt = ctx.now.getTime();
    const here = (replies: Reply[]): TurnResult => ({ replies, dialog: this.dialog(ctx, 'supplement', state) });
    if (ctx.msg.attachments.length > 0) return here(await this.receiveSupplementFiles(ctx, state));
    if (RE.cancel.test(text)) return { replies: [{ text: P.supplementCancelled }], dialog: null };
    if (RE.done.test(text)) {
      if (state.docs.length === 0) return here([{ text: P.supplementNone }]);
      try {
        const claim = await this.d.claims.addDocuments(
          { key: ctx.member, roles: ctx.roles },
          state.claimNo,
          state.docs.map((d) => ({ ...d, docId: 'supplement', docName: P.supplementDocName })),
        );
        return { replies: [{ text: P.supplementDone(claim.no) }], dialog: null };
      } catch (err) {
        if (err instanceof ClaimStateError && err.code === 'bad_status' && err.detail.status)
          return { replies: [{ text: P.supplementNotNeeded(state.claimNo, err.detail.status) }], dialog: null };
        if ((err instanceof ClaimStateError && err.code === 'not_found') || err instanceof ForbiddenError) return { replies: [{ text: P.supplementNotFound(state.claimNo) }], dialog: null };
        throw err;
      }
    }
    if (text && looksLikeQuestion(text)) return { replies: [], passThrough: true };
    return here([{ text: P.supplementNone }]);
  }

  private async receiveSupplementFiles(ctx: TurnContext, state: SupplementState): Promise<Reply[]> {
    return this.saveEach(ctx, (file) => {
      if (!state.docs.some((d) => d.sha256 === file.sha256)) state.docs.push(file);
      return P.supplementReceived(state.docs.length);
    });
  }

  // ---------- navigation and rendering ----------

  private plan(state: ApplicationState): Plan | undefined {
    return state.values.planId ? findPlan(this.d.plans, state.values.planId) : undefined;
  }

  private dateFields(plan: Plan): DateField[] {
    switch (plan.eventDate) {
      case 'discharge':
        return ['admissionDate', 'dischargeDate'];
      case 'diagnosis':
        return ['diagnosisDate'];
      case 'accident':
        return ['accidentDate'];
    }
  }

  private eventField(plan: Plan): DateField {
    return plan.eventDate === 'discharge' ? 'dischargeDate' : plan.eventDate === 'diagnosis' ? 'diagnosisDate' : 'accidentDate';
  }

  /** The fields this application asks, in order (dates depend on the plan). */
  private applicable(state: ApplicationState): FieldId[] {
    const plan = this.plan(state);
    const dates: FieldId[] = plan ? this.dateFields(plan) : [];
    return ['name', 'idNumber', 'mobile', 'workUnit', 'plan', ...dates, 'hospital', 'diagnosis', 'amount', 'bankCard', 'bankName', 'documents'];
  }

  private filled(state: ApplicationState, field: FieldId): boolean {
    const v = state.values;
    switch (field) {
      case 'plan':
        return v.planId !== undefined && this.plan(state) !== undefined;
      case 'amount':
        return v.amountCents !== undefined;
      case 'documents':
        return state.docsDone;
      default:
        return v[field] !== undefined;
    }
  }

  private nextStep(state: ApplicationState): Step {
    if (!state.consent) return 'consent';
    return this.applicable(state).find((f) => !this.filled(state, f)) ?? 'confirm';
  }

  private goto(ctx: TurnContext, state: ApplicationState, from: Step, to: Step, lead: Reply[] = []): TurnResult {
    if (QUESTION_STEPS.has(from) && from !== to) {
      state.trail.push(from);
      if (state.trail.length > 40) state.trail.splice(0, state.trail.length - 40);
    }
    delete state.resumeAt;
    return { replies: [...lead, ...this.question(state, to, ctx)], dialog: this.dialog(ctx, to, state) };
  }

  private question(state: ApplicationState | SupplementState, step: Step | string, ctx: TurnContext): Reply[] {
    if (state.kind === 'supplement') return [{ text: P.supplementStart(state.claimNo, undefined) }];
    const plan = this.plan(state);
    switch (step) {
      case 'consent':
        return [{ text: CONSENT_TEXT, choices: P.consentChoices }];
      case 'plan':
        return [{ text: this.withCurrent(state, 'plan', P.ask.plan), choices: this.d.plans.plans.map((p) => p.name) }];
      case 'documents': {
        if (!plan) return this.question(state, 'plan', ctx);
        const items = plan.requiredDocuments.map((d) => ({ name: d.name, required: d.required, count: state.docs.filter((x) => x.docId === d.id).length }));
        const missing = this.missingDocs(state, plan);
        const next = missing[0] ? P.documentsNext(missing[0].name) : P.documentsAllIn;
        return [{ text: `${P.documentsIntro(plan)}\n${P.documentsList(items)}\n${next}\n${P.documentsHint}` }];
      }
      case 'confirm':
        return [{ text: this.summary(state), choices: P.summaryChoices }];
      case 'choose_edit':
        return [{ text: P.chooseEdit, choices: this.applicable(state).map((f) => FIELD_LABELS[f]) }];
      case 'cancel_confirm':
        return [{ text: P.cancelAsk, choices: P.cancelChoices }];
      default: {
        const field = step as Exclude<FieldId, 'documents' | 'plan'>;
        const ask = P.ask[field] ?? P.ask.name;
        return [{ text: this.withCurrent(state, field, ask) }];
      }
    }
  }

  private withCurrent(state: ApplicationState, field: FieldId, ask: string): string {
    const shown = this.shown(state, field);
    return shown !== undefined && this.filled(state, field) ? `${ask}\n${P.currentValue(shown)}` : ask;
  }

  /** A field's value as shown to the member: sensitive ones masked. */
  private shown(state: ApplicationState, field: FieldId): string | undefined {
    const v = state.values;
    switch (field) {
      case 'idNumber':
        return v.idNumber && maskId(this.unseal(state, 'idNumber'));
      case 'mobile':
        return v.mobile && maskPhone(this.unseal(state, 'mobile'));
      case 'bankCard':
        return v.bankCard && maskCard(this.unseal(state, 'bankCard'));
      case 'diagnosis':
        return v.diagnosis && this.unseal(state, 'diagnosis');
      case 'plan':
        return this.plan(state)?.name;
      case 'amount':
        return v.amountCents !== undefined ? P.amountShown(v.amountCents) : undefined;
      case 'documents': {
        const plan = this.plan(state);
        if (!plan) return undefined;
        return P.documentsShown(
          plan.requiredDocuments.map((d) => ({ name: d.name, count: state.docs.filter((x) => x.docId === d.id).length })).filter((x) => x.count > 0),
        );
      }
      default:
        return v[field];
    }
  }

  private summary(state: ApplicationState): string {
    const plan = this.plan(state);
    const lines = [P.summaryTitle];
    for (const f of this.applicable(state)) lines.push(P.summaryLine(FIELD_LABELS[f], this.shown(state, f)));
    const v = state.values;
    if (plan && v.amountCents !== undefined) {
      const days = v.admissionDate && v.dischargeDate ? Math.max(1, daysBetween(v.admissionDate, v.dischargeDate)) : undefined;
      lines.push(P.summaryEstimate(estimatePayoutCents(plan, v.amountCents, days)));
    }
    return lines.join('\n');
  }

  /** A failed answer that is really a question for the bot (labor law, plan rules): let the router answer it. */
  private isInterruption(ctx: TurnContext, text: string): boolean {
    if (!text || ctx.msg.attachments.length > 0) return false;
    // Digits, dates and codes without Chinese words are attempted answers (a mistyped card number), never questions.
    if (!/[\u4e00-\u9fff]/.test(text)) return false;
    const c = ctx.classified;
    if (c && c.intent !== FORM_INTENT && c.intent !== 'unknown' && c.intent !== 'help' && c.confidence >= 0.6) return true;
    return looksLikeQuestion(text);
  }

  private seal(state: ApplicationState, field: SensitiveField, value: string): void {
    state.values[field] = this.d.cipher.encrypt(value, `draft:${field}`);
  }

  private unseal(state: ApplicationState, field: SensitiveField): string {
    const sealed = state.values[field];
    return sealed ? this.d.cipher.decrypt(sealed, `draft:${field}`) : '';
  }

  private parse(dialog: Dialog): ApplicationState | SupplementState | null {
    const r = formStateSchema.safeParse(dialog.filled);
    if (!r.success) return null;
    if (r.data.kind === 'application') {
      // A draft encrypted under another key cannot be continued: restart rather than fail every turn.
      try {
        for (const f of Object.keys(r.data.values)) if (isSensitive(f)) this.unseal(r.data, f);
      } catch {
        return null;
      }
    }
    return r.data;
  }

  private dialog(ctx: TurnContext, asking: string, state: ApplicationState | SupplementState): Dialog {
    return {
      v: FORM_VERSION,
      intent: FORM_INTENT,
      asking,
      filled: state as unknown as Record<string, unknown>,
      expiresAt: ctx.now.getTime() + this.d.resumeHours * 3600_000,
    };
  }
}
