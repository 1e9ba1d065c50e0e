/** One entry point for a member's labor-law message: article text, a computed sum, the card answer, optional LLM phrasing. */
import type { Llm } from '../../src/llm/client.ts';
import { articleTextAnswer, cardAnswer, composeAnswer, formatCitations, parseArticleRequest, statutesMissingAnswer, type LawAnswer, type LawMemory } from './answer.ts';
import { computeAnswer, type CalcOutcome } from './computed.ts';
import { askedCalculator, birthIn, durationsIn, hasFigures, originalRetirementAgeIn, readFigures, sexIn, type Calculator, type Figures } from './figures.ts';
import type { LawKnowledge } from './knowledge.ts';
import { llmAnswer } from './llm-answer.ts';
import { CALC_TEXT, HANDOFF_CHOICE, PROMPTS } from './texts.ts';

export interface AskLawOptions {
  /** Group chat: compact answer (the LLM is not used there). */
  compact?: boolean;
  /** What the previous turns left in session memory. */
  memory?: LawMemory;
  llm?: Llm | null;
  llmTimeoutMs?: number;
  logger?: { warn(obj: object, msg?: string): void };
}

/** "详细", "详细点", "展开说说": the full version of the answer just given. */
export const MORE_REQUEST = /^(?:请|麻烦)?(?:看|说得?|讲得?)?(?:更)?(?:详细|具体)(?:一?点|些)?(?:说说|讲讲|解答|内容|的|一下)?$|^(?:展开|展开说说|完整解答|完整版)$/;

/** The card a member picked from the topics last offered (by the title the router put in place of "2"). */
export function pickedOffer(kb: LawKnowledge, text: string, memory: LawMemory): string | undefined {
  const t = text.trim();
  return memory.offered?.find((id) => kb.retriever.card(id)?.title === t);
}

const ASKS_AMOUNT = /多少|几个月工资|算一下|算算|怎么算|能拿|能赔|赔多少|给多少|能要多少|多长|多久|几天/;
const SELF = /我|本人/;
const THIS_EMPLOYER = /本单位|这家|现在的(?:单位|公司|厂)|这个(?:单位|公司|厂)|在这|在公司|在厂/;

/** The sum a message asks for with the member's own figures: by its words, else by the topic just answered. */
export function calculationFor(kb: LawKnowledge, text: string, memory: LawMemory): { calculator: Calculator; figures: Figures } | undefined {
  const figures = readFigures(text);
  const lastCalculator = memory.lastCardId ? kb.retriever.card(memory.lastCardId)?.calculator : undefined;
  if (figures.birthYear === undefined && (askedCalculator(text) ?? lastCalculator) === 'retirement') {
    // Right after the retirement answer, "1972年5月，女，工人" is a birth date even without 出生.
    const birth = birthIn(text.split(/[，,、\s]/)[0] ?? '', true);
    // "我是女工人，哪年退休" is about the member herself: her figures so far, and the bot asks for the rest.
    if (birth || SELF.test(text)) {
      if (birth) [figures.birthYear, figures.birthMonth] = birth;
      delete figures.serviceMonths;
      const sex = sexIn(text);
      if (sex) figures.sex = sex;
      const original = originalRetirementAgeIn(text);
      if (original) figures.originalRetirementAge = original;
    }
  }
  if (!hasFigures(figures)) return undefined;
  // A birth date (or the member's own sex) is given for one sum only: the retirement date.
  if (figures.birthYear !== undefined || figures.sex !== undefined) return { calculator: 'retirement', figures };
  // "合同到期两个月了，能要双倍工资吗" asks whether, not how much: without a wage or a word asking for an amount
  // the card answers it.
  if (figures.monthlyWage === undefined && !ASKS_AMOUNT.test(text)) return undefined;
  const calculator = askedCalculator(text) ?? lastCalculator;
  // "我工作12年了" asked about 医疗期 is the total 工龄 unless this employer is named.
  if (calculator === 'medical_period' && figures.totalWorkYears === undefined && figures.serviceMonths !== undefined) {
    // Two lengths of service ("工作12年了，在现在的厂干了6年"): the longer is the total.
    const spans = durationsIn(text);
    if (spans.length >= 2) {
      figures.totalWorkYears = Math.max(...spans) / 12;
      figures.serviceMonths = Math.min(...spans);
    }
  }
  if (calculator === 'medical_period' && figures.totalWorkYears === undefined && figures.serviceMonths !== undefined && !THIS_EMPLOYER.test(text)) {
    figures.totalWorkYears = figures.serviceMonths / 12;
    delete figures.serviceMonths;
  }
  return calculator ? { calculator, figures } : undefined;
}

/** A computed sum (or the question for its missing figure) as an answer. */
export function calcAnswer(outcome: CalcOutcome, canQuote: boolean): LawAnswer {
  if (outcome.kind === 'ask') {
    return {
      kind: 'ask_figure',
      text: `${outcome.text}${CALC_TEXT.askAgain}`,
      citations: [],
      confidence: 1,
      offerHandoff: false,
      pending: { asking: outcome.asking, state: outcome.pending },
    };
  }
  const basis = `${PROMPTS.basisPrefix}${formatCitations(outcome.citations)}`;
  return {
    kind: 'computed',
    text: [outcome.text, basis].join('\n'),
    citations: outcome.citations,
    confidence: 1,
    offerHandoff: false,
    choices: canQuote ? [PROMPTS.choiceOriginal, HANDOFF_CHOICE] : [HANDOFF_CHOICE],
  };
}

/** Answers one message. Never throws for model problems: those fall back to the retrieval answer. */
export async function answerLawQuestion(kb: LawKnowledge, text: string, opts: AskLawOptions = {}): Promise<LawAnswer> {
  const memory = opts.memory ?? { citations: [] };
  const compact = opts.compact ?? false;
  const req = parseArticleRequest(text, kb.library, memory);
  if (req) {
    if (!kb.statutesDir) return statutesMissingAnswer();
    // In a group at most one article is quoted, and a long one only in private chat.
    if (compact) return articleTextAnswer(req.kind === 'articles' ? { ...req, citations: req.citations.slice(0, 1) } : req, kb.library, kb.superseded, { compact });
    return articleTextAnswer(req, kb.library, kb.superseded);
  }
  const lastCard = memory.lastCardId ? kb.retriever.card(memory.lastCardId) : undefined;
  if (lastCard && MORE_REQUEST.test(text.trim())) {
    return cardAnswer(lastCard, lastCard.citations.slice(0, 4), kb, 1, { detailed: !compact, compact });
  }
  const picked = pickedOffer(kb, text, memory);
  const pickedCard = picked ? kb.retriever.card(picked) : undefined;
  if (pickedCard) return cardAnswer(pickedCard, pickedCard.citations.slice(0, 4), kb, 1, { compact });
  const calc = calculationFor(kb, text, memory);
  if (calc && !compact) return calcAnswer(computeAnswer(calc.calculator, calc.figures), Boolean(kb.statutesDir));
  const result = kb.retrieve(text, memory.lastCardId ? { previousCardId: memory.lastCardId } : {});
  const base = composeAnswer(result, kb, { compact });
  // A member's own wage figures are not discussed in a group: the card answer, and an invitation to a private chat.
  if (calc && compact) return { ...base, text: `${base.text}\n${CALC_TEXT.groupPrivate}` };
  // Without the statute texts the model's citations cannot be checked: the cards' own answer stands.
  if (!opts.llm || compact || !kb.statutesDir) return base;
  return llmAnswer(opts.llm, text, result, base, kb, {
    timeoutMs: opts.llmTimeoutMs ?? 8000,
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
}
