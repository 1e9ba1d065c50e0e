/**
 * The claim forms as data on the one form engine (src/kit/forms): the application (consent, applicant, plan
 * and its dates, treatment, amount, bank, documents, then a summary with the payout estimate) and the
 * supplement upload. The engine asks, re-asks, goes back, changes, cancels, resumes and seals; this file
 * says what each field is and which plan rules apply.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { actorOf, ForbiddenError } from '../../src/core/actor.ts';
import type { FieldCipher } from '../../src/core/crypto.ts';
import type { Address, Reply } from '../../src/core/message.ts';
import type { TurnContext, TurnResult } from '../../src/core/service.ts';
import type { Dialog } from '../../src/core/session.ts';
import { addDays, chinaToday, daysBetween } from '../../src/kit/fields.ts';
import { Form } from '../../src/kit/forms/engine.ts';
import type { Answer, FieldSpec, FormSpec, FormTexts, FormView, Sealer, Submitted } from '../../src/kit/forms/spec.ts';
import { fieldTypes, parseCount } from '../../src/kit/forms/types.ts';
import { isCancel, isDone, isNo, isYes } from '../../src/kit/words.ts';
import { storedFileSchema, type StoredFile } from './documents.ts';
import { estimatePayoutCents, findPlan, hospitalDays, planMentioned, type DocumentSpec, type Plan, type PlansFile } from './plans.ts';
import { ClaimStateError, type ClaimsService, type UploadResult } from './service.ts';
import { CONSENT_TEXT, CONSENT_VERSION, FIELD_ALIASES, FIELD_LABELS, P, type FieldId } from './texts.ts';

/** "阑尾炎", "右手桡骨骨折": a disease or injury, not a place. */
const looksLikeDiagnosis = (t: string) => /(?:炎|癌|瘤|骨折|结石|综合征|梗死|梗塞|出血|损伤|病|症)$/.test(t) && !looksLikeHospital(t);
const looksLikeHospital = (t: string) => /医院|卫生院|诊所|医疗中心|卫生服务中心/.test(t);

export const FORM_INTENT = 'claim_submit';
/** Bump when the fields change incompatibly: an old draft then restarts politely. 2: drafts of the form engine. */
const FORM_VERSION = 2;

const DATE_FIELDS = ['admissionDate', 'dischargeDate', 'diagnosisDate', 'accidentDate'] as const;
type DateField = (typeof DATE_FIELDS)[number];
/** The dates each kind of plan asks for; the last one is the event the filing deadline counts from. */
const PLAN_DATES: Record<Plan['eventDate'], readonly DateField[]> = {
  discharge: ['admissionDate', 'dischargeDate'],
  diagnosis: ['diagnosisDate'],
  accident: ['accidentDate'],
};
const MAX_HOSPITAL_DAYS = 366;
/** Files received before a plan was chosen: filed under the plan's first missing document once there is one. */
const UNFILED = 'other';
const NEXT_DOCUMENT = /^(?:下一项|下一个|下一份)[。!！]*$/;

const draftDocSchema = storedFileSchema.extend({ docId: z.string() });
type DraftDoc = z.infer<typeof draftDocSchema>;
const consentSchema = z.object({ version: z.string(), at: z.string() });

/** The claims' wording for everything the engine says around the questions. */
const TEXTS: Partial<FormTexts> = {
  resume: P.resume,
  continued: P.continueAfterInterruption,
  restarted: P.formRestarted,
  cancelled: P.cancelled,
  cancelAsk: P.cancelAsk,
  cancelChoices: P.cancelChoices,
  cancelKept: P.cancelKept,
  cancelUnclear: P.cancelUnclear,
  backFirst: P.back.first,
  backOk: P.back.ok,
  chooseEdit: P.chooseEdit,
  chooseEditUnclear: P.chooseEditUnclear,
  currentValue: P.currentValue,
  notFilled: P.notFilled,
  error: P.errors.question,
};

export interface ClaimFormDeps {
  plans: PlansFile;
  cipher: FieldCipher;
  /** The operations the forms use: uploads within quotas, submit, add documents to a claim, and the end of a draft. */
  claims: Pick<ClaimsService, 'submit' | 'addDocuments' | 'upload' | 'touchDraft' | 'endDraft'>;
  resumeHours: number;
}

export class ClaimForms {
  readonly application: Form;
  readonly supplement: Form;

  constructor(private readonly d: ClaimFormDeps) {
    const opts = { resumeHours: d.resumeHours };
    this.application = new Form(this.applicationSpec(), opts);
    this.supplement = new Form(this.supplementSpec(), opts);
  }

  /** A new application: the consent question first. A plan named in the opening message counts already. */
  startApplication(ctx: TurnContext, lead: Reply[] = []): Promise<TurnResult> {
    const plan = planMentioned(this.d.plans, ctx.text);
    // The draft id makes submission idempotent: the same draft never becomes two claims.
    return this.application.start(ctx, { values: plan ? { plan: plan.id } : {}, meta: { draftId: randomUUID(), docs: [] } }, lead);
  }

  /** Collecting extra documents for a claim in needs_more; files in the opening message count already. */
  startSupplement(ctx: TurnContext, claimNo: string, request: string | undefined): Promise<TurnResult> {
    return this.supplement.start(ctx, { meta: { claimNo, draftId: randomUUID(), docs: [], ...(request ? { request } : {}) } });
  }

  /**
   * After each turn of a form: a draft still open that has files keeps them as long as the draft lives; an
   * ended one (submitted, cancelled, declined, restarted) releases them, and the ones no claim took are deleted.
   * A draft without files is not tracked, so its turns write nothing outside the session: each runs as one
   * speculative round trip (see ConversationLock) instead of taking the lease.
   */
  async afterTurn(ctx: TurnContext, dialog: Dialog, result: TurnResult): Promise<void> {
    const draftId = draftIdSchema.safeParse(dialog.filled).data?.meta.draftId;
    if (!draftId || result.passThrough || result.dialog === undefined) return;
    if (result.dialog && !holdsFiles(result.dialog)) return;
    ctx.beforeWrite();
    if (!result.dialog) await this.d.claims.endDraft(ctx.member, draftId, 'form ended');
    else await this.d.claims.touchDraft(draftId, result.dialog.expiresAt);
  }

  /** The form that can go on with this dialog; none for a draft of an older version or under another key. */
  formOf(dialog: Dialog): Form | undefined {
    return [this.application, this.supplement].find((form) => form.canContinue(dialog));
  }

  // ---------- the application ----------

  private applicationSpec(): FormSpec {
    return {
      id: 'application',
      version: FORM_VERSION,
      intent: FORM_INTENT,
      fields: this.applicationFields(),
      confirm: {
        ask: (f, _ctx, fields) => {
          const lines = [P.summaryTitle, ...this.application.summaryLines(f, fields)];
          const plan = this.planOf(f);
          const cents = f.num('amount');
          if (plan && cents !== undefined) lines.push(P.summaryEstimate(estimate(plan, f, cents)));
          return { text: lines.join('\n'), choices: P.summaryChoices };
        },
        unclear: P.confirmUnclear,
      },
      confirmCancel: true,
      submit: (f, ctx) => this.submitApplication(f, ctx),
      onFiles: (f, ctx, asking) => this.receiveDocuments(f, ctx, asking),
      sealer: draftSealer(this.d.cipher),
      texts: TEXTS,
    };
  }

  private applicationFields(): FieldSpec[] {
    const named = (id: FieldId) => ({ id, label: FIELD_LABELS[id], aliases: FIELD_ALIASES[id], error: errorText });
    const date = (id: DateField) =>
      fieldTypes.date({
        ...named(id),
        ask: P.ask[id],
        // 昨天, 上周三, 3天前: how people say when they were admitted.
        relative: true,
        when: (f) => planDates(this.planOf(f)).includes(id),
        check: (iso, f, ctx) => dateProblem(this.planOf(f), id, iso, (other) => f.str(other), chinaToday(ctx.now)),
      });
    return [
      this.consentField(),
      fieldTypes.name({ ...named('name'), ask: P.ask.name }),
      fieldTypes.idNumber({ ...named('idNumber'), ask: P.ask.idNumber }),
      fieldTypes.mobile({ ...named('mobile'), ask: P.ask.mobile }),
      fieldTypes.text({ ...named('workUnit'), ask: P.ask.workUnit, min: 2, max: 50 }),
      this.planField(),
      ...DATE_FIELDS.map(date),
      // A disease typed for the hospital (or a hospital for the diagnosis) is questioned before it is stored.
      fieldTypes.text({ ...named('hospital'), ask: P.ask.hospital, min: 2, max: 50, misfits: [{ like: P.misfit.diagnosis, test: looksLikeDiagnosis }] }),
      // Sealed in the session, but shown to the member who typed it.
      fieldTypes.text({
        ...named('diagnosis'),
        ask: P.ask.diagnosis,
        min: 2,
        max: 50,
        sensitive: true,
        show: (f) => f.str('diagnosis'),
        misfits: [{ like: P.misfit.hospital, test: looksLikeHospital }],
      }),
      fieldTypes.money({ ...named('amount'), ask: P.ask.amount, check: (cents, f) => amountProblem(this.planOf(f), cents) }),
      fieldTypes.bankCard({ ...named('bankCard'), ask: P.ask.bankCard }),
      fieldTypes.bankName({ ...named('bankName'), ask: P.ask.bankName }),
      this.documentsField(),
    ];
  }

  /**
   * PIPL art. 29: separate, explicit consent to sensitive data, recorded with its version; declining ends the form.
   * Only the offered choice (同意, 1) or a yes that says 同意 (我同意) consents: 嗯 or 好的 is not explicit.
   */
  private consentField(): FieldSpec {
    const [agree] = P.consentChoices;
    const choice = fieldTypes.choice({ id: 'consent', label: agree, ask: CONSENT_TEXT, options: () => P.consentChoices, error: () => P.consentUnclear });
    return {
      ...choice,
      fixed: true,
      async parse(text, f, ctx) {
        // 不同意 and 2 are no-words: a valid choice below can only be 同意.
        if (isNo(text) || isCancel(text)) return { ok: 'end', replies: [{ text: P.consentDeclined }] };
        const answer = await choice.parse(text, f, ctx);
        if (answer.ok !== true && !(isYes(text) && text.includes(agree))) return answer;
        return { ok: true, value: { version: CONSENT_VERSION, at: ctx.now.toISOString() } };
      },
    };
  }

  private planField(): FieldSpec {
    const { plans } = this.d;
    return {
      id: 'plan',
      label: FIELD_LABELS.plan,
      aliases: FIELD_ALIASES.plan,
      ask: () => ({ text: P.ask.plan, choices: plans.plans.map((p) => p.name) }),
      filled: (f) => this.planOf(f) !== undefined,
      show: (f) => this.planOf(f)?.name,
      parse: (text, f, ctx) => {
        const n = parseCount(text);
        const plan = n !== null && n >= 1 ? plans.plans[n - 1] : planMentioned(plans, text);
        if (!plan) return { ok: false, error: errorText('plan') };
        const clear = this.planOf(f)?.id === plan.id ? [] : this.replan(f, plan, chinaToday(ctx.now));
        return { ok: true, value: plan.id, clear };
      },
    };
  }

  /**
   * A plan change keeps only what still fits the new plan: its dates within its rules, an amount within its
   * limits, the documents it also asks for. Files received before a plan was chosen count as its missing documents.
   * Returns the answers to drop.
   */
  private replan(f: FormView, plan: Plan, today: string): string[] {
    const clear: string[] = [];
    const current = (id: DateField) => (clear.includes(id) ? undefined : f.str(id));
    for (const id of DATE_FIELDS) {
      const iso = f.str(id);
      if (iso && (!planDates(plan).includes(id) || dateProblem(plan, id, iso, current, today))) clear.push(id);
    }
    const cents = f.num('amount');
    if (cents !== undefined && amountProblem(plan, cents)) clear.push('amount');
    const docs = docsOf(f);
    for (const doc of docs) {
      const missing = doc.docId === UNFILED ? missingDocs(plan, docs)[0] : undefined;
      if (missing) doc.docId = missing.id;
    }
    const ids = new Set(plan.requiredDocuments.map((d) => d.id));
    f.meta['docs'] = docs.filter((doc) => ids.has(doc.docId));
    clearDocChoice(f);
    if (missingDocs(plan, docsOf(f)).length > 0) clear.push('documents');
    return clear;
  }

  private documentsField(): FieldSpec {
    const stay = (text: string): Answer => ({ ok: 'stay', replies: [{ text }], bare: true });
    return {
      id: 'documents',
      label: FIELD_LABELS.documents,
      aliases: FIELD_ALIASES.documents,
      takesFiles: true,
      ask: (f) => {
        const plan = this.planOf(f);
        if (!plan) return { text: P.documentsExpectFiles };
        const docs = docsOf(f);
        const first = missingDocs(plan, docs)[0];
        const next = first ? P.documentsNext(first.name) : P.documentsAllIn;
        return { text: `${P.documentsIntro(plan)}\n${P.documentsList(received(plan, docs))}\n${next}\n${P.documentsHint}` };
      },
      show: (f) => {
        const plan = this.planOf(f);
        return plan && P.documentsShown(received(plan, docsOf(f)).filter((d) => d.count > 0));
      },
      parse: (text, f) => {
        const plan = this.planOf(f);
        if (!plan) return { ok: false, error: errorText('plan') };
        const missing = missingDocs(plan, docsOf(f));
        if (isDone(text)) {
          if (missing.length > 0) return stay(P.documentsNotDone(missing.map((d) => d.name)));
          clearDocChoice(f);
          return { ok: true, value: true };
        }
        // Asked "另一页，还是下一项？": a bare 1 or 2 answers it; 第4项 or 4 (not a choice) still picks a document.
        const pageOf = plan.requiredDocuments.find((d) => d.id === f.meta['pageAsk']);
        const choice = pageOf && /^[12]$/.test(text) ? Number(text) : undefined;
        if (pageOf && choice === 1) {
          clearDocChoice(f);
          f.meta['docOnce'] = pageOf.id;
          return stay(P.pageSame(pageOf.name));
        }
        // "4": the following files are that document (several photos of one item).
        const n = choice === undefined ? parseCount(text) : null;
        const chosen = n !== null && n >= 1 ? plan.requiredDocuments[n - 1] : undefined;
        if (chosen) {
          clearDocChoice(f);
          f.meta['docTarget'] = chosen.id;
          return stay(P.documentTarget(chosen.name));
        }
        if (choice === 2 || NEXT_DOCUMENT.test(text)) {
          clearDocChoice(f);
          const first = missing[0];
          return stay(first ? P.documentsMissing(missing.map((d) => d.name)) + P.documentsNext(first.name) : P.documentsAllIn);
        }
        return { ok: false, error: P.documentsExpectFiles };
      },
    };
  }

  /**
   * Files may come at any question: each is filed under the chosen document, else the first missing one, else one
   * still short of its pages; at the documents question, what is still missing. After a file of a document that
   * takes several pages (身份证正反面) there, the member is asked whether the next file is another page of it or
   * the next document; a file sent instead of an answer is filed as the next document, and the reply says so.
   */
  private async receiveDocuments(f: FormView, ctx: TurnContext, asking: string): Promise<Reply[]> {
    const plan = this.planOf(f);
    const specs = plan?.requiredDocuments ?? [];
    const docs = docsOf(f);
    const chosen = metaId(f, 'docTarget');
    let last: DocumentSpec | undefined;
    const replies = await this.saveEach(ctx, f, docs, (file) => {
      const once = specs.find((d) => d.id === metaId(f, 'docOnce'));
      const unanswered = specs.some((d) => d.id === metaId(f, 'pageAsk'));
      clearDocChoice(f, { keepTarget: true });
      const target =
        once ??
        specs.find((d) => d.id === chosen) ??
        missingDocs(plan, docs)[0] ??
        specs.find((d) => shortOfPages(d, docs)) ??
        specs.find((d) => !docs.some((x) => x.docId === d.id)) ??
        specs.at(-1);
      const doc: DraftDoc = { ...file, docId: target?.id ?? UNFILED };
      if (!docs.some((x) => x.sha256 === doc.sha256 && x.docId === doc.docId)) docs.push(doc);
      last = target;
      const name = target?.name ?? P.documentFallbackName;
      return unanswered && !once ? P.filedAsNext(name) : P.documentReceived(name);
    });
    f.meta['docs'] = docs;
    if (asking !== 'documents' || !plan) return replies;
    const missing = missingDocs(plan, docs);
    const first = chosen ? undefined : missing[0];
    if (first && last && shortOfPages(last, docs)) {
      f.meta['pageAsk'] = last.id;
      return [...replies, { text: `${P.documentsMissing(missing.map((d) => d.name))}${P.pageAsk(last.name, first.name)}`, choices: [...P.pageChoices] }];
    }
    const status = missing.length === 0 ? P.documentsAllIn : P.documentsMissing(missing.map((d) => d.name)) + (first ? P.documentsNext(first.name) : '');
    return [...replies, { text: status }];
  }

  private async submitApplication(f: FormView, ctx: TurnContext): Promise<Submitted> {
    const plan = this.planOf(f);
    if (!plan) return { done: false, replies: [], ask: 'plan' };
    const consent = consentSchema.safeParse(f.values['consent']);
    if (!consent.success) return { done: false, replies: [], ask: 'consent' };
    const draftId = z.string().min(8).parse(f.meta['draftId']);
    const text = (id: string) => f.str(id) ?? '';
    const cents = f.num('amount') ?? 0;
    const address: Address = { platform: ctx.msg.platform, chatId: ctx.msg.chatId, chatType: ctx.msg.chatType };
    try {
      const { claim } = await this.d.claims.submit(actorOf(ctx), {
        draftId,
        address,
        plan,
        consent: consent.data,
        name: text('name'),
        idNumber: text('idNumber'),
        mobile: text('mobile'),
        workUnit: text('workUnit'),
        dates: Object.fromEntries(planDates(plan).map((id) => [id, f.str(id)])),
        hospital: text('hospital'),
        diagnosis: text('diagnosis'),
        amountCents: cents,
        estimatedPayoutCents: estimate(plan, f, cents),
        bankCard: text('bankCard'),
        bankName: text('bankName'),
        documents: docsOf(f).map((d) => ({ ...d, docName: plan.requiredDocuments.find((s) => s.id === d.docId)?.name ?? P.documentFallbackName })),
      });
      return { done: true, replies: [{ text: P.submitted(claim.no, this.d.plans.reviewDays) }] };
    } catch (err) {
      ctx.log.error({ err, member: ctx.member, draftId }, 'claim submit failed');
      return { done: false, replies: [{ text: P.submitFailed }] };
    }
  }

  // ---------- the supplement ----------

  private supplementSpec(): FormSpec {
    return {
      id: 'supplement',
      version: FORM_VERSION,
      intent: FORM_INTENT,
      fields: [
        {
          id: 'files',
          label: P.supplementDocName,
          takesFiles: true,
          ask: (f) => {
            const { claimNo, request } = supplementOf(f);
            return { text: P.supplementStart(claimNo, request) };
          },
          parse: (text, f) => {
            if (!isDone(text)) return { ok: false, error: P.supplementNone };
            if (supplementOf(f).docs.length === 0) return { ok: 'stay', replies: [{ text: P.supplementNone }], bare: true };
            return { ok: true, value: true };
          },
        },
      ],
      onFiles: async (f, ctx) => {
        const { docs } = supplementOf(f);
        const replies = await this.saveEach(ctx, f, docs, (file) => {
          if (!docs.some((d) => d.sha256 === file.sha256)) docs.push(file);
          return P.supplementReceived(docs.length);
        });
        f.meta['docs'] = docs;
        return replies;
      },
      submit: async (f, ctx) => {
        const { claimNo, docs } = supplementOf(f);
        try {
          const claim = await this.d.claims.addDocuments(actorOf(ctx), claimNo, docs.map((d) => ({ ...d, docId: 'supplement', docName: P.supplementDocName })));
          return { done: true, replies: [{ text: P.supplementDone(claim.no) }] };
        } catch (err) {
          if (err instanceof ClaimStateError && err.code === 'bad_status' && err.detail.status)
            return { done: true, replies: [{ text: P.supplementNotNeeded(claimNo, err.detail.status) }] };
          if ((err instanceof ClaimStateError && err.code === 'not_found') || err instanceof ForbiddenError) return { done: true, replies: [{ text: P.supplementNotFound(claimNo) }] };
          throw err;
        }
      },
      texts: { ...TEXTS, cancelled: P.supplementCancelled },
    };
  }

  // ---------- shared ----------

  private planOf(f: FormView): Plan | undefined {
    const id = f.str('plan');
    return id ? findPlan(this.d.plans, id) : undefined;
  }

  /**
   * Stores every attachment (type and size checked by content, within the form's and the member's quotas) for
   * the draft; `file` files a stored one and says so. `inDraft`: the form's files so far.
   */
  private async saveEach(ctx: TurnContext, f: FormView, inDraft: readonly StoredFile[], file: (stored: StoredFile) => string): Promise<Reply[]> {
    const draftId = z.string().min(8).parse(f.meta['draftId']);
    const until = ctx.now.getTime() + this.d.resumeHours * 3600_000;
    const replies: Reply[] = [];
    const kept = [...inDraft];
    for (const att of ctx.msg.attachments) {
      const saved = await this.d.claims.upload(ctx.member, draftId, att, uniqueFiles(kept), until);
      if (saved.ok) kept.push(saved.file);
      replies.push({ text: saved.ok ? file(saved.file) : P.documentRejectedLine(att.name, rejection(saved)) });
    }
    return replies;
  }
}

/** Why a file was not kept, in the member's words. */
function rejection(saved: Exclude<UploadResult, { ok: true }>): string {
  switch (saved.error) {
    case 'too_many':
      return P.uploadLimit.files(saved.limit);
    case 'too_large':
      return P.uploadLimit.size(saved.limit);
    case 'daily':
      return P.uploadLimit.daily(saved.limit);
    default:
      return P.documentRejected[saved.error] ?? '';
  }
}

/** A form's files, each stored document once (one photo may be filed under two documents). */
const uniqueFiles = (files: readonly StoredFile[]): StoredFile[] => [...new Map(files.map((f) => [f.sha256, f])).values()];

/** Sensitive answers are encrypted in the session, bound to their field. */
function draftSealer(cipher: FieldCipher): Sealer {
  return {
    seal: (field, value) => cipher.encrypt(value, `draft:${field}`),
    unseal: (field, sealed) => cipher.decrypt(sealed, `draft:${field}`),
  };
}

const ERRORS: Readonly<Record<string, string | undefined>> = P.errors;
/** The claims' message for a validator's error code (src/kit/fields.ts). */
const errorText = (code: string): string => ERRORS[code] ?? P.errors.question;

const planDates = (plan: Plan | undefined): readonly DateField[] => (plan ? PLAN_DATES[plan.eventDate] : []);

/** A date the rules refuse: admission after discharge, a stay over a year, or past the plan's filing deadline. */
function dateProblem(plan: Plan | undefined, id: DateField, iso: string, other: (id: DateField) => string | undefined, today: string): string | null {
  const admission = other('admissionDate');
  const discharge = other('dischargeDate');
  if (id === 'admissionDate' && discharge && iso > discharge) return P.errors.admission_after_discharge;
  if (id === 'dischargeDate' && admission) {
    if (iso < admission) return P.errors.discharge_before_admission;
    if (daysBetween(admission, iso) > MAX_HOSPITAL_DAYS) return P.tooManyHospitalDays;
  }
  if (plan && id === planDates(plan).at(-1)) {
    const last = addDays(iso, plan.filingDeadlineDays);
    if (last < today) return P.deadlinePassed(plan, P.eventLabel[plan.eventDate], last);
  }
  return null;
}

function amountProblem(plan: Plan | undefined, cents: number): string | null {
  if (!plan) return null;
  if (cents < Math.round(plan.limits.minAmount * 100)) return P.amountTooSmall(plan);
  if (cents > Math.round(plan.limits.maxReportedAmount * 100)) return P.amountTooLarge(plan);
  return null;
}

function estimate(plan: Plan, f: FormView, cents: number): number {
  return estimatePayoutCents(plan, cents, hospitalDays(f.str('admissionDate'), f.str('dischargeDate')));
}

/** The plan's documents with how many files each has. */
function received(plan: Plan, docs: readonly DraftDoc[]) {
  return plan.requiredDocuments.map((d) => ({ ...d, count: docs.filter((x) => x.docId === d.id).length }));
}

function missingDocs(plan: Plan | undefined, docs: readonly DraftDoc[]) {
  return plan ? plan.requiredDocuments.filter((d) => d.required && !docs.some((x) => x.docId === d.id)) : [];
}

/** The documents received so far, kept in the draft's meta (session JSON, parsed like every read). */
const draftDocs = z.array(draftDocSchema).catch([]);
const docsOf = (f: FormView): DraftDoc[] => draftDocs.parse(f.meta['docs']);
/**
 * Which document the next files are, kept in the draft's meta: `docTarget` the one the member picked (by number),
 * `docOnce` the one the next file is (another page), `pageAsk` the document the open 另一页/下一项 question is about.
 */
const optionalId = z.string().optional().catch(undefined);
const metaId = (f: FormView, key: 'docTarget' | 'docOnce' | 'pageAsk'): string | undefined => optionalId.parse(f.meta[key]);
function clearDocChoice(f: FormView, opts: { keepTarget?: boolean } = {}): void {
  delete f.meta['docOnce'];
  delete f.meta['pageAsk'];
  if (!opts.keepTarget) delete f.meta['docTarget'];
}

/** A document of several pages that has some of them, not all. */
const shortOfPages = (spec: DocumentSpec, docs: readonly DraftDoc[]): boolean => {
  const count = docs.filter((x) => x.docId === spec.id).length;
  return count > 0 && count < spec.pages;
};

/** The id every claims draft carries (in the form engine's draft: `filled.meta`). */
const draftIdSchema = z.object({ meta: z.object({ draftId: z.string().min(8) }) });
const withFilesSchema = z.object({ meta: z.object({ docs: z.array(z.unknown()).min(1) }) });
/** Files dropped from `docs` (a plan changed) need no hold: they go when the draft's last hold ends. */
const holdsFiles = (dialog: Dialog): boolean => withFilesSchema.safeParse(dialog.filled).success;
const supplementMetaSchema = z.object({ claimNo: z.string(), request: z.string().optional(), docs: z.array(storedFileSchema).catch([]) });
const supplementOf = (f: FormView) => supplementMetaSchema.parse(f.meta);
