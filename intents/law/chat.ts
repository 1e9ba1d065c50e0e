/** `labor_law`: answers members' labor-law questions with cited articles; quotes statute text on request ("第八十二条原文"). */
import type { IntentFactory, TurnContext, TurnResult } from '../../src/core/service.ts';
import { z } from 'zod';
import { renderText, type Reply } from '../../src/core/message.ts';
import type { Turn } from '../../src/core/session.ts';
import { maskPersonalNumbers } from '../../src/core/text.ts';
import { statuteCandidates, STATUTES_INSTALL_COMMAND } from '../../src/core/config.ts';
import { createLlm } from '../../src/llm/client.ts';
import type { Dialog } from '../../src/core/session.ts';
import { memoryFor, parseArticleRequest, readLawMemory, type LawAnswer, type LawMemory } from './answer.ts';
import { computeAnswer, PENDING_CALC_VERSION, pendingCalcSchema } from './computed.ts';
import { askedCalculator, birthIn, hasFigures, originalRetirementAgeIn, readFigures, sexIn, type Figures } from './figures.ts';
import { loadLawKnowledge, type LawKnowledge } from './knowledge.ts';
import { answerLawQuestion, calcAnswer, calculationFor, MORE_REQUEST, pickedOffer } from './service.ts';
import { HANDOFF_CHOICE } from './texts.ts';

const FOLLOW_UP_WINDOW_MS = 15 * 60_000;
const FOLLOW_UP_START = /^(那|那么|那如果|如果|要是|假如|还有|另外|再问一下)/;
/** "去哪办", "找谁", "要多久", "需要什么材料": the next step of the matter just answered, asked without naming it. */
const NEXT_STEP = /^(?:我|那我)?(?:应该|应当|要|得|需要|该|可以)?(?:去)?(?:哪里|哪儿|哪|在哪|找谁|找哪|怎么办|咋办|怎么弄|如何|多久|多长时间|什么时候|啥时候|要什么|带什么|准备什么|准备啥|需要什么|需要啥|多少钱)/;
const NEXT_STEP_MAX_CHARS = 12;
/** Words of another service or of the bot itself ("那我的申请到哪一步了", "什么时候到账", "那你能做什么"). */
const OTHER_SERVICE = /报名|活动|互助|报销|到账|打款|进度|审核|到哪一步|人工|工单|菜单|帮助|功能|你能|你会|你是谁/;

/**
 * The start of the bot's last law reply, kept beside the law memory: a follow-up leans on the answer just given,
 * so once the bot has said something else since (e.g. "已为您转人工"), "那我周四上午过去方便吗" is not one.
 */
const answerHeadSchema = z.object({ answerHead: z.string() });
const ANSWER_HEAD_CHARS = 40;
const answerHead = (replies: Reply[]): string => maskPersonalNumbers(replies.map(renderText).join('\n')).slice(0, ANSWER_HEAD_CHARS);

/** Whether the bot's replies to the member's previous message include the law reply that starts with `head`. */
function answeredLast(history: Turn[], head: string | undefined): boolean {
  if (head === undefined) return true; // a memory from before heads were kept
  const lastAsked = history.findLastIndex((t) => t.from === 'member');
  return history.slice(lastAsked + 1).some((t) => t.text.startsWith(head));
}

/** A short question that leans on the previous answer ("那赔偿怎么算", "如果是试用期呢", "那要去哪里申请", "去哪办"). */
function isFollowUp(ctx: TurnContext, memory: LawMemory): boolean | Promise<boolean> {
  const { text } = ctx;
  if (memory.at === undefined || ctx.now.getTime() - memory.at > FOLLOW_UP_WINDOW_MS || OTHER_SERVICE.test(text)) return false;
  const length = [...text].length;
  if (!((length <= 25 && FOLLOW_UP_START.test(text)) || (length <= NEXT_STEP_MAX_CHARS && NEXT_STEP.test(text)))) return false;
  // Only now read the history (from Redis): most questions are no follow-up at all.
  const head = answerHeadSchema.safeParse(ctx.session.memory['labor_law']).data?.answerHead;
  return ctx.history().then((history) => answeredLast(history, head));
}

/** A recent answer the member can still act on ("详细", a number from the topics offered, figures for its sum). */
const recent = (ctx: TurnContext, memory: LawMemory) => memory.at !== undefined && ctx.now.getTime() - memory.at <= FOLLOW_UP_WINDOW_MS;

/** A bare figure answering the one asked for ("6000", "大概七千五", "3年8个月"). */
function answeredFigure(asking: string, text: string): Figures {
  const read = readFigures(text);
  const direct: Figures = {};
  const bare = text.replace(/[大概约差不多左右吧啊呢元块钱，。\s]/g, '');
  if (asking === 'monthlyWage' || asking === 'localAverageWage') {
    const n = readFigures(`工资${bare}`).monthlyWage;
    if (n !== undefined) direct[asking] = n;
  } else if (asking === 'serviceMonths' || asking === 'monthsWithoutContract' || asking === 'totalWorkYears') {
    const months = readFigures(`干了${bare}`).serviceMonths;
    if (months !== undefined) {
      if (asking === 'totalWorkYears') direct.totalWorkYears = months / 12;
      else direct[asking] = months;
    }
  } else if (asking === 'unusedLeaveDays') {
    const days = /^(\d+|[一二两三四五六七八九十]+)天?$/.exec(bare);
    const n = days ? readFigures(`年假剩${days[1]}天`).unusedLeaveDays : undefined;
    if (n !== undefined) direct.unusedLeaveDays = n;
  } else if (asking === 'birthMonth') {
    const first = text.split(/[，,、\s]/)[0] ?? '';
    const birth = read.birthMonth === undefined ? birthIn(first, true) : undefined;
    if (birth) [direct.birthYear, direct.birthMonth] = birth;
    // The year was given before ("1968年出生的"): "5月" completes it.
    const month = birth ? undefined : /^(\d{1,2})\s*月?份?$/.exec(first.trim());
    if (month && Number(month[1]) >= 1 && Number(month[1]) <= 12) direct.birthMonth = Number(month[1]);
    // "1972年5月" is a birth date here, not a length of service.
    if (birth || month || read.birthYear !== undefined) delete read.serviceMonths;
  }
  // Sex and a woman's original retirement age are read whatever was asked: "女，工人" answers both.
  if (asking === 'birthMonth' || asking === 'sex' || asking === 'originalRetirementAge') {
    const sex = sexIn(text);
    if (sex) direct.sex = sex;
    const original = originalRetirementAgeIn(text);
    if (original) direct.originalRetirementAge = original;
  }
  if (asking === 'overtimeHours' && read.workdayHours === undefined && read.restDayHours === undefined && read.holidayHours === undefined) {
    const h = readFigures(`工作日加班${bare}`).workdayHours;
    if (h !== undefined) direct.workdayHours = h;
  }
  return { ...read, ...direct };
}

/** The dialog that waits for one figure of a sum: plain versioned JSON. */
const calcDialog = (answer: LawAnswer, now: Date): Dialog | null =>
  answer.pending
    ? { v: PENDING_CALC_VERSION, intent: 'labor_law', asking: answer.pending.asking, filled: answer.pending.state, expiresAt: now.getTime() + FOLLOW_UP_WINDOW_MS }
    : null;

/** "详细" after a card, a title picked from the topics offered, or figures for the sum of the topic just answered. */
function continuesAnswer(kb: LawKnowledge, ctx: TurnContext, memory: LawMemory): boolean {
  if (!recent(ctx, memory)) return false;
  if (memory.lastCardId && MORE_REQUEST.test(ctx.text.trim())) return true;
  if (pickedOffer(kb, ctx.text, memory)) return true;
  return !OTHER_SERVICE.test(ctx.text) && calculationFor(kb, ctx.text, memory) !== undefined && !askedCalculator(ctx.text);
}

const createLaborLaw: IntentFactory = async (deps) => {
  // The config holds the statutes folder it found, or none: then the law runs on cards alone.
  const kb = loadLawKnowledge({ knowledgeDir: deps.config.KNOWLEDGE_DIR, statutesDir: deps.config.KNOWLEDGE_STATUTES_DIR ?? null });
  if (!kb.statutesDir) {
    deps.logger.warn(
      { lookedIn: statuteCandidates(deps.config) },
      `labor_law: statute texts not installed, so article texts and citation checks are off (answers cite article numbers only). Add them with: ${STATUTES_INSTALL_COMMAND}`,
    );
  }
  // Bad cards never stop the bot, but they must be visible at start-up.
  for (const e of kb.cardErrors) deps.logger.warn({ error: e }, 'labor_law: card file rejected');
  for (const p of kb.problems) deps.logger.warn({ card: p.cardId, citation: p.citation, problem: p.problem }, 'labor_law: card citation problem');
  deps.logger.info({ cards: kb.cards.length, articles: kb.library.articleCount }, 'labor_law: knowledge loaded');
  const llm = createLlm(deps.config);

  const handle = async (ctx: TurnContext): Promise<TurnResult> => {
    const memory = readLawMemory(ctx.session.memory['labor_law']);
    const answer = await answerLawQuestion(kb, ctx.text, {
      compact: ctx.msg.chatType === 'group',
      memory,
      llm: ctx.rehearsal ? null : llm,
      llmTimeoutMs: deps.config.OPENAI_TIMEOUT_MS,
      logger: ctx.log,
    });
    return respond(ctx, answer, memory);
  };

  /** `inDialog`: answering the law dialog's own question, so a finished sum ends it. Otherwise a dialog is only opened. */
  const respond = (ctx: TurnContext, answer: LawAnswer, memory: LawMemory, inDialog = false): TurnResult => {
    const dialog = calcDialog(answer, ctx.now);
    const choices = answer.choices ?? (answer.offerHandoff ? [HANDOFF_CHOICE] : undefined);
    const reply: Reply = { text: answer.text, ...(choices ? { choices } : {}) };
    return {
      replies: [reply],
      memory: { ...memoryFor(answer, memory, ctx.now.getTime()), answerHead: answerHead([reply]) },
      ...(dialog || inDialog ? { dialog } : {}),
    };
  };

  /** The member answers the figure a sum waits for; anything else is a fresh message (the wait stays, silently). */
  const continueDialog = async (ctx: TurnContext, dialog: Dialog): Promise<TurnResult> => {
    const state = dialog.v === PENDING_CALC_VERSION ? pendingCalcSchema.safeParse(dialog.filled) : undefined;
    if (!state?.success) return { replies: [], dialog: null, passThrough: true };
    const other = askedCalculator(ctx.text);
    const given = answeredFigure(dialog.asking, ctx.text);
    if (!hasFigures(given) || (other !== undefined && other !== state.data.calculator)) {
      // Another labor-law question meanwhile is answered here (the router would not send it back to us); the
      // wait for the figure stays unless that answer opens a new one. Anything else goes to its own service.
      const law = ctx.classified?.intent === 'labor_law' || parseArticleRequest(ctx.text, kb.library, readLawMemory(ctx.session.memory['labor_law'])) !== null;
      return law ? handle(ctx) : { replies: [], passThrough: true };
    }
    const figures = { ...state.data.figures, ...given };
    const memory = readLawMemory(ctx.session.memory['labor_law']);
    return respond(ctx, calcAnswer(computeAnswer(state.data.calculator, figures), Boolean(kb.statutesDir)), memory, true);
  };

  return {
    id: 'labor_law',
    readsOnly: ['handle', 'dialog'],
    // Article-text requests ("第八十二条原文", "劳动合同法第三十八条是什么") and short follow-ups to a recent
    // answer ("那赔偿怎么算") need no classifier.
    matches: (ctx) => {
      const memory = readLawMemory(ctx.session.memory['labor_law']);
      if (parseArticleRequest(ctx.text, kb.library, memory) !== null || continuesAnswer(kb, ctx, memory)) return true;
      return isFollowUp(ctx, memory);
    },
    handle,
    continueDialog,
    // A member who asked something else meanwhile is not nagged: the wait for the figure stays quietly.
    repromptDialog: () => [],
  };
};

export default createLaborLaw;
