/**
 * A form is data: fields with a question, a parser/validator, an optional condition and a summary label.
 * The engine (engine.ts) does everything else once for every form: the next question, 返回, 改一下X
 * ("地点错了，改成Y" with its new value), 取消 (and "算了不报了"), an error and its question in one bubble,
 * questioning an answer that belongs elsewhere (`misfits`), 取消 / 转人工 after three wrong answers, the summary
 * and its 修改 menu, resuming after a restart, and letting a question or another service's command through mid-form.
 */
import type { TurnContext } from '../../core/service.ts';
import type { Reply } from '../../core/message.ts';

/** A form's answers as the field functions see them: sensitive values already unsealed. */
export interface FormView {
  readonly values: Readonly<Record<string, unknown>>;
  /** Form-specific extras kept with the answers (received documents, a draft id …); plain JSON, mutable. */
  readonly meta: Record<string, unknown>;
  str(id: string): string | undefined;
  num(id: string): number | undefined;
}

export type Answer =
  /**
   * Valid: store `value`, and drop the answers in `clear` that no longer fit (e.g. dates after a plan change).
   * `also`: answers this one brings with it (a saved profile once the event is picked); `replies` are said before the next question.
   */
  | { ok: true; value: unknown; clear?: readonly string[]; also?: Readonly<Record<string, unknown>>; replies?: Reply[] }
  /** Invalid: say why and ask again (unless the message is really a question for the bot). */
  | { ok: false; error: string }
  /** Understood, but the question stays open (e.g. "2" picks which document the next files are); `bare`: the replies say all, the question is not repeated. */
  | { ok: 'stay'; replies: Reply[]; bare?: boolean }
  /** The form ends here (e.g. consent declined). */
  | { ok: 'end'; replies: Reply[] };

/** A kind of answer that plainly belongs to another question (a mobile number typed for a hospital). */
export interface Misfit {
  /** What the answer looks like, as the member is told: "手机号", "诊断（病名）". */
  like: string;
  test(text: string, ctx: TurnContext): boolean;
}

export interface FieldSpec {
  id: string;
  /** In the summary and in the "修改哪一项" list. */
  label: string;
  /** Words members use for the field in "改一下电话" (the label counts too). */
  aliases?: readonly string[];
  ask(f: FormView, ctx: TurnContext): Reply;
  parse(text: string, f: FormView, ctx: TurnContext): Answer | Promise<Answer>;
  /** Asked only when this holds (e.g. the discharge date only for hospital stays). */
  when?(f: FormView): boolean;
  /** Whether the field is answered (default: it has a value). */
  filled?(f: FormView): boolean;
  /** The value as shown in the summary (default: the value as text); sensitive values must be masked here. */
  show?(f: FormView): string | undefined;
  /** Sealed (encrypted) in the session, which is plain JSON in Redis. */
  sensitive?: boolean;
  /** Never revisited by 返回 or 修改 and not in the summary (e.g. consent). */
  fixed?: boolean;
  /** Submit as soon as this field is answered (e.g. "加入候补吗？" after a full event). */
  submitWhenAnswered?: boolean;
  /** Free text whose answer is never a question for the bot (a title, a description): no interruption check. */
  anyText?: boolean;
  /** Valid answers that still look like something else: questioned once, taken when sent again unchanged. */
  misfits?: readonly Misfit[];
  /** The question asks for files: after files arrive, `onFiles` says what is still missing (the question is not repeated); asked again, it shows no current-value line. */
  takesFiles?: boolean;
}

export type Submitted =
  /** The form is done (whatever the outcome: registered, refused …). */
  | { done: true; replies: Reply[] }
  /** The form stays open: `replies` then the next open question (or `ask`, a field to ask again). */
  | { done: false; replies: Reply[]; ask?: string };

/** Encrypts sensitive answers while they sit in the session. */
export interface Sealer {
  seal(field: string, value: string): string;
  unseal(field: string, sealed: string): string;
}

/** The words a form says around its questions; defaults in texts.ts, each form may override them. */
export interface FormTexts {
  /** A member back after a long pause. */
  resume: string;
  /** After an answered interruption (a question, another service's command). */
  continued: string;
  /** The form changed since this draft was saved. */
  restarted: string;
  cancelled: string;
  cancelAsk: string;
  cancelChoices: readonly [string, string];
  cancelKept: string;
  cancelUnclear: string;
  backFirst: string;
  backOk: string;
  chooseEdit: string;
  chooseEditUnclear: string;
  currentValue(shown: string): string;
  notFilled: string;
  /** The wrong answer was a greeting or small talk: just the question again. */
  error: string;
  /** An answer that looks like something else (`like`) was typed for `label`; `canKeep`: it is valid, sent again it is taken (else the field's error follows). */
  misfit(like: string, label: string, canKeep: boolean): string;
  /** After several failed tries at one question: the ways out, offered as choices (cancel, a person). */
  stuck: string;
  stuckChoices: readonly [cancel: string, handoff: string];
}

export interface ConfirmSpec {
  /** The summary with its choices (e.g. 确认提交 / 修改某一项 / 取消). */
  ask(f: FormView, ctx: TurnContext, fields: readonly FieldSpec[]): Reply;
  /** What to say when the answer is none of them. */
  unclear: string;
  /** "不" at the summary ends the form with this text (without it, "不" is unclear). */
  declined?: string;
}

export interface FormSpec {
  /** Stored with the draft: one intent may own several forms. */
  id: string;
  /** Bump when the fields change incompatibly: an old draft then restarts politely. */
  version: number;
  /** The intent whose continueDialog receives the form's turns. */
  intent: string;
  /** The fields in order; may depend on answers so far (e.g. the fields an event asks for). */
  fields: readonly FieldSpec[] | ((f: FormView) => readonly FieldSpec[]);
  /** A summary to confirm before submitting; without it the form submits once every field is answered. */
  confirm?: ConfirmSpec;
  /** 取消 asks "确定要取消吗" first (forms with much typed in) instead of ending at once. */
  confirmCancel?: boolean;
  /** May write (the engine calls `ctx.beforeWrite()` first, as before `onFiles`): the rest of a form's turn only reads. */
  submit(f: FormView, ctx: TurnContext): Promise<Submitted>;
  /** Files sent at any question (kept for the form, e.g. claim documents); `asking` is the open question. Returns what to say about them. */
  onFiles?(f: FormView, ctx: TurnContext, asking: string): Promise<Reply[]>;
  sealer?: Sealer;
  texts?: Partial<FormTexts>;
}
