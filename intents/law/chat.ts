/** `labor_law`: answers members' labor-law questions with cited articles; quotes statute text on request ("第八十二条原文"). */
import type { IntentFactory, TurnContext, TurnResult } from '../../src/core/service.ts';
import type { Reply } from '../../src/core/message.ts';
import { createLlm } from '../../src/llm/client.ts';
import { memoryFor, parseArticleRequest, readLawMemory, type LawMemory } from './answer.ts';
import { loadLawKnowledge } from './knowledge.ts';
import { answerLawQuestion } from './service.ts';
import { HANDOFF_CHOICE } from './texts.ts';

const FOLLOW_UP_WINDOW_MS = 15 * 60_000;
const FOLLOW_UP_START = /^(那|那么|那如果|如果|要是|假如|还有|另外|再问一下)/;
const OTHER_SERVICE = /报名|活动|互助|申请|人工|菜单/;

/** A short question that leans on the previous answer ("那赔偿怎么算", "如果是试用期呢"). */
function isFollowUp(text: string, memory: LawMemory, now: number): boolean {
  if (memory.at === undefined || now - memory.at > FOLLOW_UP_WINDOW_MS) return false;
  return [...text].length <= 25 && FOLLOW_UP_START.test(text) && !OTHER_SERVICE.test(text);
}

const createLaborLaw: IntentFactory = async (deps) => {
  const kb = loadLawKnowledge({ knowledgeDir: deps.config.KNOWLEDGE_DIR, statutesDir: deps.config.KNOWLEDGE_STATUTES_DIR });
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
      llm,
      llmTimeoutMs: deps.config.OPENAI_TIMEOUT_MS,
      logger: deps.logger,
    });
    const reply: Reply = { text: answer.text, ...(answer.offerHandoff ? { choices: [HANDOFF_CHOICE] } : {}) };
    return { replies: [reply], memory: memoryFor(answer, memory, ctx.now.getTime()) };
  };

  return {
    id: 'labor_law',
    // Article-text requests ("第八十二条原文", "劳动合同法第三十八条是什么") and short follow-ups to a recent
    // answer ("那赔偿怎么算") need no classifier.
    matches: (ctx) => {
      const memory = readLawMemory(ctx.session.memory['labor_law']);
      return parseArticleRequest(ctx.text, kb.library, memory) !== null || isFollowUp(ctx.text, memory, ctx.now.getTime());
    },
    handle,
  };
};

export default createLaborLaw;
