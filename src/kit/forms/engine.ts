/**
 * The one form engine. The draft is a wizard cursor in the session (`dialog.asking` = the open question,
 * `dialog.filled` = the answers, sensitive ones sealed), so a form resumes after a restart. The next
 * question is always "the first applicable field not yet answered", so 返回, 修改 and answers that
 * clear others need no special bookkeeping.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Reply } from '../../core/message.ts';
import type { TurnContext, TurnResult } from '../../core/service.ts';
import type { Dialog } from '../../core/session.ts';
import { isGreeting, looksLikeQuestion } from '../fields.ts';
import { changeRequest, isBack, isCancel, isCancelWord, isChangeOfMind, isConfirmCancel, isEditRequest, isKeepGoing, isNo, isSubmit } from '../words.ts';
import type { Answer, FieldSpec, FormSpec, FormTexts, FormView } from './spec.ts';
import { FORM_TEXTS } from './texts.ts';

/** After this long without an answer, a returning member is greeted with the resume line. */
export const RESUME_GAP_MS = 30 * 60_000;
/** A classification this sure of another intent means the message is not an answer. */
const OTHER_INTENT_CONFIDENCE = 0.6;
const TRAIL_LIMIT = 40;

const CONFIRM = 'confirm';
const CHOOSE_EDIT = 'choose_edit';
const CANCEL_CONFIRM = 'cancel_confirm';

const draftSchema = z.object({
  form: z.string(),
  values: z.record(z.string(), z.unknown()),
  meta: z.record(z.string(), z.unknown()),
  /** Questions asked before the open one, for 返回. */
  trail: z.array(z.string()),
  touchedAt: z.number(),
  /** Where the cancel confirmation or the 修改 menu returns to. */
  resumeAt: z.string().optional(),
  /** Wrong answers in a row to the open question. */
  fails: z.number().optional(),
  /** A digest of the answer questioned as a misfit (never the answer itself: it may be a personal number). */
  doubted: z.string().optional(),
});
type Draft = z.infer<typeof draftSchema>;
/** One member message as the engine reads it. */
interface Turn {
  text: string;
  /** Back after a long pause. */
  returning: boolean;
}

/** Wrong answers in a row after which the ways out (取消, a person) are offered. */
const STUCK_AFTER = 3;

const isPlainText = (r: Reply | undefined): boolean => r?.text !== undefined && !r.choices && !r.file;

/** What comes before a question and the question itself in one bubble: plain text just before it joins its text. */
function joined(lead: Reply[], question: Reply[]): Reply[] {
  const [first, ...more] = question;
  let start = lead.length;
  while (start > 0 && isPlainText(lead[start - 1])) start--;
  if (!first?.text || start === lead.length) return [...lead, ...question];
  const words = lead.slice(start).map((r) => r.text).join('\n');
  return [...lead.slice(0, start), { ...first, text: `${words}\n${first.text}` }, ...more];
}

export interface FormOptions {
  /** How long an unfinished form waits for the member (FORM_RESUME_HOURS). */
  resumeHours: number;
}

export class Form {
  private readonly texts: FormTexts;

  constructor(
    readonly spec: FormSpec,
    private readonly opts: FormOptions,
  ) {
    this.texts = { ...FORM_TEXTS, ...spec.texts };
  }

  /** Whether a dialog is a draft of this form. */
  owns(dialog: Dialog | null | undefined): boolean {
    return dialog?.intent === this.spec.intent && (dialog.filled as { form?: unknown }).form === this.spec.id;
  }

  /** A new draft: answers known in advance (a plan named in the opening message, a saved profile) count already. */
  async start(ctx: TurnContext, init: { values?: Record<string, unknown>; meta?: Record<string, unknown> } = {}, lead: Reply[] = []): Promise<TurnResult> {
    const draft: Draft = { form: this.spec.id, values: {}, meta: { ...init.meta }, trail: [], touchedAt: ctx.now.getTime() };
    for (const [id, value] of Object.entries(init.values ?? {})) this.store(draft, id, value);
    if (ctx.msg.attachments.length === 0 || !this.spec.onFiles) return this.next(ctx, draft, lead);
    const first = this.applicable(draft).find((f) => !this.isFilled(draft, f) && !f.submitWhenAnswered);
    const replies = await this.filesReceived(ctx, draft, first?.id ?? '', this.spec.onFiles);
    if (!first?.takesFiles) return this.next(ctx, draft, [...lead, ...replies]);
    // A first question that takes files is asked first; what was received (and what is still missing) follows.
    const opened = await this.next(ctx, draft, lead);
    return { ...opened, replies: [...opened.replies, ...replies] };
  }

  /** Whether `continue` can pick this dialog up: a readable draft of this form at this version. */
  canContinue(dialog: Dialog): boolean {
    return this.owns(dialog) && dialog.v === this.spec.version && this.read(dialog) !== null;
  }

  /** The open question again, after an interruption or when the member comes back. */
  reprompt(ctx: TurnContext, dialog: Dialog): Reply[] {
    const draft = this.read(dialog);
    if (!draft) return [{ text: this.texts.restarted }];
    const lead = ctx.now.getTime() - draft.touchedAt >= RESUME_GAP_MS ? this.texts.resume : this.texts.continued;
    return [{ text: lead }, ...this.question(ctx, draft, dialog.asking)];
  }

  /** Checks one answer outside a dialog (e.g. the one-line `/editevent 3 名额 100人`). */
  async check(fieldId: string, text: string, ctx: TurnContext, values: Record<string, unknown> = {}): Promise<Answer> {
    const draft: Draft = { form: this.spec.id, values: {}, meta: {}, trail: [], touchedAt: ctx.now.getTime() };
    for (const [id, value] of Object.entries(values)) this.store(draft, id, value);
    const field = this.fields(draft).find((f) => f.id === fieldId);
    if (!field) throw new Error(`form ${this.spec.id} has no field ${fieldId}`);
    return field.parse(text.trim(), this.view(draft), ctx);
  }

  async continue(ctx: TurnContext, dialog: Dialog): Promise<TurnResult> {
    const draft = dialog.v === this.spec.version ? this.read(dialog) : null;
    if (!draft) return { replies: [{ text: this.texts.restarted }], dialog: null };
    const asking = dialog.asking;
    const text = ctx.text.trim();
    const turn: Turn = { text, returning: ctx.now.getTime() - draft.touchedAt >= RESUME_GAP_MS };
    draft.touchedAt = ctx.now.getTime();
    const field = this.fields(draft).find((f) => f.id === asking);

    // Files may come at any question; the form keeps them. A question that takes files says itself what is still missing.
    const fileReplies = ctx.msg.attachments.length > 0 && this.spec.onFiles ? await this.filesReceived(ctx, draft, asking, this.spec.onFiles) : [];
    if (fileReplies.length > 0 && !text) return this.stay(ctx, draft, asking, fileReplies, field?.takesFiles === true);

    if (asking === CANCEL_CONFIRM) {
      if (isConfirmCancel(text)) return { replies: [{ text: this.texts.cancelled }], dialog: null };
      if (isKeepGoing(text)) return this.resumeAfterMenu(ctx, draft, [{ text: this.texts.cancelKept }]);
      return this.stay(ctx, draft, asking, [{ text: this.texts.cancelUnclear, choices: [...this.texts.cancelChoices] }], true);
    }
    // A fixed question (consent) is a gate: its own answers decide, 取消 / 返回 / 修改 do not apply.
    if (field?.fixed) return this.answer(ctx, draft, field, turn, fileReplies);
    // Free text (a title, a description) may say "下雨就不参加了": there a change of mind must open the message.
    const cancels = field?.anyText ? isCancelWord(text) || isChangeOfMind(text, { leading: true }) : isCancel(text);
    if (cancels || (asking === CONFIRM && /^3$/.test(text))) return this.cancel(ctx, draft, asking);
    if (isBack(text)) return this.back(ctx, draft, asking);
    const change = changeRequest(text, this.aliases(draft));
    const changed = change && this.fields(draft).find((f) => f.id === change.field);
    if (changed && change.value !== undefined) {
      // "地点错了，改成厂区篮球场": the new value answers that field as if it had been asked.
      if (changed.id !== asking) this.leave(draft, asking);
      return this.answer(ctx, draft, changed, { ...turn, text: change.value }, fileReplies);
    }
    if (changed) return this.goto(ctx, draft, asking, changed.id);

    if (asking === CONFIRM) {
      if (isSubmit(text)) return this.submit(ctx, draft);
      if (this.spec.confirm?.declined && isNo(text)) return { replies: [{ text: this.spec.confirm.declined }], dialog: null };
      if (isEditRequest(text)) {
        draft.resumeAt = CONFIRM;
        return this.ask(ctx, draft, CHOOSE_EDIT);
      }
      return this.notAnAnswer(ctx, draft, asking, turn, this.spec.confirm?.unclear ?? this.texts.error);
    }
    if (asking === CHOOSE_EDIT) {
      const editable = this.editable(draft);
      const n = /^\d{1,2}$/.test(text) ? Number(text) : 0;
      const chosen = n >= 1 ? editable[n - 1] : editable.find((f) => f.label === text || f.aliases?.includes(text));
      if (!chosen) return this.notAnAnswer(ctx, draft, asking, turn, this.texts.chooseEditUnclear);
      return this.goto(ctx, draft, draft.resumeAt ?? CONFIRM, chosen.id);
    }
    if (!field) return this.next(ctx, draft); // the open question no longer applies (the form changed shape)
    return this.answer(ctx, draft, field, turn, fileReplies);
  }

  private async answer(ctx: TurnContext, draft: Draft, field: FieldSpec, turn: Turn, fileReplies: Reply[]): Promise<TurnResult> {
    const asking = field.id;
    const { text } = turn;
    if (!text) return fileReplies.length > 0 ? this.stay(ctx, draft, asking, fileReplies, field.takesFiles === true) : this.retry(ctx, draft, asking, turn, null);
    if (text.startsWith('/')) return { replies: [], passThrough: true };
    const answer = await field.parse(text, this.view(draft), ctx);
    if (answer.ok === 'end') return { replies: answer.replies, dialog: null };
    if (answer.ok === 'stay') return this.stay(ctx, draft, asking, [...fileReplies, ...answer.replies], answer.bare === true);
    const misfit = field.misfits?.find((m) => m.test(text, ctx));
    if (answer.ok === false) {
      const way = this.wayOut(ctx, draft, field, text);
      if (way) return way;
      const error = misfit ? `${this.texts.misfit(misfit.like, field.label, false)}${answer.error}` : answer.error;
      return field.anyText ? this.retry(ctx, draft, asking, turn, error) : this.notAnAnswer(ctx, draft, asking, turn, error);
    }
    // An answer that looks like another question's is questioned once; the same text again is taken as meant.
    const digest = createHash('sha256').update(`${asking}\n${text}`).digest('base64url').slice(0, 16);
    if (misfit && draft.doubted !== digest) {
      draft.doubted = digest;
      return this.stay(ctx, draft, asking, [...fileReplies, { text: this.texts.misfit(misfit.like, field.label, true) }]);
    }
    delete draft.doubted;
    for (const id of answer.clear ?? []) delete draft.values[id];
    this.store(draft, field.id, answer.value);
    for (const [id, value] of Object.entries(answer.also ?? {})) this.store(draft, id, value);
    const lead = [...fileReplies, ...(answer.replies ?? [])];
    if (field.submitWhenAnswered) return this.submit(ctx, draft, lead);
    return this.next(ctx, draft, lead, asking);
  }

  /** The same question again after a wrong answer: a member back after a long pause gets the resume line, a greeting just the question. */
  private retry(ctx: TurnContext, draft: Draft, step: string, turn: Turn, error: string | null): TurnResult {
    if (turn.returning) return this.stay(ctx, draft, step, [{ text: this.texts.resume }]);
    if (isGreeting(turn.text)) return this.stay(ctx, draft, step, [{ text: this.texts.continued }]);
    if (error === null) return this.stay(ctx, draft, step, []);
    draft.fails = (draft.fails ?? 0) + 1;
    const [question, ...more] = this.question(ctx, draft, step);
    if (draft.fails < STUCK_AFTER || !question?.text) return this.stay(ctx, draft, step, [{ text: error }]);
    // Stuck: the ways out join the question, as its choices when it has none of its own. Not at the summary or a
    // menu, where "1" already means something (submit, the first field).
    const asField = this.fields(draft).some((f) => f.id === step) && !question.choices?.length;
    const stuck = { ...question, text: [error, question.text, this.texts.stuck].join('\n'), ...(asField ? { choices: [...this.texts.stuckChoices] } : {}) };
    return { replies: [stuck, ...more], dialog: this.dialog(ctx, draft, step) };
  }

  /** Not an answer but (maybe) a question for the bot or another service: the router answers it; else the question again. */
  private notAnAnswer(ctx: TurnContext, draft: Draft, step: string, turn: Turn, error: string): TurnResult {
    return this.isForTheBot(ctx, turn.text) ? { replies: [], passThrough: true } : this.retry(ctx, draft, step, turn, error);
  }

  /** After the ways out were offered as numbered choices, "1" / "2" that the field refuses pick them. */
  private wayOut(ctx: TurnContext, draft: Draft, field: FieldSpec, text: string): TurnResult | null {
    if ((draft.fails ?? 0) < STUCK_AFTER || field.ask(this.view(draft), ctx).choices?.length) return null;
    const [, handoff] = this.texts.stuckChoices;
    if (text === '1') return this.cancel(ctx, draft, field.id);
    if (text !== '2') return null;
    // Another service's command word: the router routes it as if typed.
    ctx.text = handoff;
    return { replies: [], passThrough: true };
  }

  private cancel(ctx: TurnContext, draft: Draft, asking: string): TurnResult {
    if (!this.spec.confirmCancel) return { replies: [{ text: this.texts.cancelled }], dialog: null };
    draft.resumeAt = asking;
    return this.ask(ctx, draft, CANCEL_CONFIRM);
  }

  // ---------- navigation ----------

  private fields(draft: Draft): readonly FieldSpec[] {
    const { fields } = this.spec;
    return typeof fields === 'function' ? fields(this.view(draft)) : fields;
  }

  private applicable(draft: Draft): FieldSpec[] {
    const view = this.view(draft);
    return this.fields(draft).filter((f) => f.when?.(view) ?? true);
  }

  private editable(draft: Draft): FieldSpec[] {
    return this.applicable(draft).filter((f) => !f.fixed && !f.submitWhenAnswered);
  }

  private isFilled(draft: Draft, field: FieldSpec): boolean {
    return field.filled ? field.filled(this.view(draft)) : draft.values[field.id] !== undefined;
  }

  private aliases(draft: Draft): Map<string, readonly string[]> {
    return new Map(this.editable(draft).map((f) => [f.id, [f.label, ...(f.aliases ?? [])]]));
  }

  /** The first open question: an unanswered field, else the summary, else submit. */
  private async next(ctx: TurnContext, draft: Draft, lead: Reply[] = [], from?: string): Promise<TurnResult> {
    const open = this.applicable(draft).find((f) => !this.isFilled(draft, f) && !f.submitWhenAnswered);
    if (open) return from ? this.goto(ctx, draft, from, open.id, lead) : this.ask(ctx, draft, open.id, lead);
    if (!this.spec.confirm) return this.submit(ctx, draft, lead);
    return from ? this.goto(ctx, draft, from, CONFIRM, lead) : this.ask(ctx, draft, CONFIRM, lead);
  }

  private goto(ctx: TurnContext, draft: Draft, from: string, to: string, lead: Reply[] = []): TurnResult {
    if (from !== to) this.leave(draft, from);
    return this.ask(ctx, draft, to, lead);
  }

  /** Moving on from `from`: 返回 comes back to it (menus aside). */
  private leave(draft: Draft, from: string): void {
    if (from !== CHOOSE_EDIT && from !== CANCEL_CONFIRM) {
      draft.trail.push(from);
      if (draft.trail.length > TRAIL_LIMIT) draft.trail.splice(0, draft.trail.length - TRAIL_LIMIT);
    }
    delete draft.resumeAt;
  }

  private back(ctx: TurnContext, draft: Draft, asking: string): TurnResult {
    const fixed = new Set(this.fields(draft).filter((f) => f.fixed).map((f) => f.id));
    const prev = draft.trail.at(-1);
    if (!prev || fixed.has(prev)) return this.stay(ctx, draft, asking, [{ text: this.texts.backFirst }]);
    draft.trail.pop();
    delete draft.resumeAt;
    return this.ask(ctx, draft, prev, [{ text: this.texts.backOk }]);
  }

  private async resumeAfterMenu(ctx: TurnContext, draft: Draft, lead: Reply[]): Promise<TurnResult> {
    const back = draft.resumeAt;
    delete draft.resumeAt;
    if (back && back !== CANCEL_CONFIRM) return this.ask(ctx, draft, back, lead);
    return this.next(ctx, draft, lead);
  }

  /** `onFiles` may write (it stores the files). */
  private filesReceived(ctx: TurnContext, draft: Draft, asking: string, onFiles: NonNullable<FormSpec['onFiles']>): Promise<Reply[]> {
    ctx.beforeWrite();
    return onFiles(this.view(draft), ctx, asking);
  }

  private async submit(ctx: TurnContext, draft: Draft, lead: Reply[] = []): Promise<TurnResult> {
    const open = this.applicable(draft).find((f) => !this.isFilled(draft, f) && !f.submitWhenAnswered);
    if (open) return this.ask(ctx, draft, open.id, lead);
    ctx.beforeWrite();
    const result = await this.spec.submit(this.view(draft), ctx);
    if (result.done) return { replies: [...lead, ...result.replies], dialog: null };
    if (result.ask) return this.ask(ctx, draft, result.ask, [...lead, ...result.replies]);
    return this.next(ctx, draft, [...lead, ...result.replies]);
  }

  // ---------- questions ----------

  private ask(ctx: TurnContext, draft: Draft, step: string, lead: Reply[] = []): TurnResult {
    delete draft.fails;
    delete draft.doubted;
    return { replies: joined(lead, this.question(ctx, draft, step)), dialog: this.dialog(ctx, draft, step) };
  }

  /** Same question again; `bare` skips repeating the question (the lead already asks it). */
  private stay(ctx: TurnContext, draft: Draft, step: string, lead: Reply[], bare = false): TurnResult {
    return { replies: bare ? lead : joined(lead, this.question(ctx, draft, step)), dialog: this.dialog(ctx, draft, step) };
  }

  private question(ctx: TurnContext, draft: Draft, step: string): Reply[] {
    const view = this.view(draft);
    if (step === CONFIRM && this.spec.confirm) return [this.spec.confirm.ask(view, ctx, this.editable(draft))];
    if (step === CHOOSE_EDIT) return [{ text: this.texts.chooseEdit, choices: this.editable(draft).map((f) => f.label) }];
    if (step === CANCEL_CONFIRM) return [{ text: this.texts.cancelAsk, choices: [...this.texts.cancelChoices] }];
    const field = this.fields(draft).find((f) => f.id === step);
    if (!field) return [];
    const q = field.ask(view, ctx);
    // A field asked again (返回, 修改) shows what is filled in now; a question for files lists what it has itself.
    const shown = !field.fixed && !field.takesFiles && this.isFilled(draft, field) ? this.shown(draft, field) : undefined;
    return [shown !== undefined && q.text ? { ...q, text: `${q.text}\n${this.texts.currentValue(shown)}` } : q];
  }

  private shown(draft: Draft, field: FieldSpec): string | undefined {
    if (field.show) return field.show(this.view(draft));
    const v = draft.values[field.id];
    return v === undefined || field.sensitive ? undefined : String(v);
  }

  /** Summary lines (label：value) for the form's `confirm.ask`. */
  summaryLines(f: FormView, fields: readonly FieldSpec[]): string[] {
    return fields.map((field) => `${field.label}：${(field.show ? field.show(f) : f.str(field.id)) ?? this.texts.notFilled}`);
  }

  /** Not an answer but a question for the bot (labor law, plan rules) or another service: the router answers it. */
  private isForTheBot(ctx: TurnContext, text: string): boolean {
    if (!text || ctx.msg.attachments.length > 0) return false;
    // Digits, dates and codes without Chinese words are attempted answers (a mistyped card number), never questions.
    if (!/[\u4e00-\u9fff]/.test(text)) return false;
    const c = ctx.classified;
    if (c && c.intent !== this.spec.intent && !c.casual && c.confidence >= OTHER_INTENT_CONFIDENCE) return true;
    return looksLikeQuestion(text);
  }

  // ---------- state ----------

  private store(draft: Draft, id: string, value: unknown): void {
    const field = this.fields(draft).find((f) => f.id === id);
    const sealer = this.spec.sealer;
    if (field?.sensitive && typeof value === 'string') {
      if (!sealer) throw new Error(`form ${this.spec.id}: sensitive field ${id} needs a sealer`);
      draft.values[id] = sealer.seal(id, value);
    } else draft.values[id] = value;
  }

  private view(draft: Draft): FormView {
    const sealer = this.spec.sealer;
    const sensitive = new Set(this.sensitiveIds(draft));
    const values: Record<string, unknown> = {};
    for (const [id, v] of Object.entries(draft.values)) values[id] = sensitive.has(id) && sealer && typeof v === 'string' ? sealer.unseal(id, v) : v;
    return {
      values,
      meta: draft.meta,
      str: (id) => (typeof values[id] === 'string' ? (values[id] as string) : undefined),
      num: (id) => (typeof values[id] === 'number' ? (values[id] as number) : undefined),
    };
  }

  /** Sensitive field ids, read from a static list to avoid recursion when `fields` depends on the view. */
  private sensitiveIds(draft: Draft): string[] {
    const { fields } = this.spec;
    const list = typeof fields === 'function' ? fields({ values: draft.values, meta: draft.meta, str: () => undefined, num: () => undefined }) : fields;
    return list.filter((f) => f.sensitive).map((f) => f.id);
  }

  /** A stored draft of this form, or null when it is corrupt or cannot be unsealed (e.g. another key). */
  private read(dialog: Dialog): Draft | null {
    const parsed = draftSchema.safeParse(dialog.filled);
    if (!parsed.success || parsed.data.form !== this.spec.id) return null;
    try {
      this.view(parsed.data);
    } catch {
      return null;
    }
    return parsed.data;
  }

  private dialog(ctx: TurnContext, draft: Draft, asking: string): Dialog {
    return {
      v: this.spec.version,
      intent: this.spec.intent,
      asking,
      filled: draft as unknown as Record<string, unknown>,
      expiresAt: ctx.now.getTime() + this.opts.resumeHours * 3600_000,
    };
  }
}
