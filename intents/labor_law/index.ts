/** `labor_law`: answers members' labor-law questions with cited articles; quotes statute text on request ("第八十二条原文"). */
import type { IntentFactory, TurnContext, TurnResult } from '../../src/core/intent.ts';
import type { Reply } from '../../src/core/message.ts';
import { readExamples } from '../../src/core/examples.ts';
import { createLlm } from '../../src/llm/client.ts';
import { memoryFor, parseArticleRequest, readLawMemory } from '../../src/law/answer.ts';
import { loadLawKnowledge } from '../../src/law/knowledge.ts';
import { answerLawQuestion } from '../../src/law/service.ts';
import { HANDOFF_CHOICE } from './prompts.ts';

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
    examples: await readExamples(import.meta.url),
    // Article-text requests ("第八十二条原文", "劳动合同法第三十八条是什么") need no classifier.
    matches: (ctx) => parseArticleRequest(ctx.text, kb.library, readLawMemory(ctx.session.memory['labor_law'])) !== null,
    handle,
  };
};

export default createLaborLaw;
