/** `labor_law`: answers members' labor-law questions with cited articles; quotes statute text on request ("第八十二条原文"). */
import type { IntentFactory, TurnContext, TurnResult } from '../../src/core/service.ts';
import { z } from 'zod';
import { renderText, type Reply } from '../../src/core/message.ts';
import type { Turn } from '../../src/core/session.ts';
import { maskPersonalNumbers } from '../../src/core/text.ts';
import { statuteCandidates, STATUTES_INSTALL_COMMAND } from '../../src/core/config.ts';
import { createLlm } from '../../src/llm/client.ts';
import { memoryFor, parseArticleRequest, readLawMemory, type LawMemory } from './answer.ts';
import { loadLawKnowledge } from './knowledge.ts';
import { answerLawQuestion } from './service.ts';
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
function isFollowUp(ctx: TurnContext, memory: LawMemory): boolean {
  const { text } = ctx;
  if (memory.at === undefined || ctx.now.getTime() - memory.at > FOLLOW_UP_WINDOW_MS || OTHER_SERVICE.test(text)) return false;
  if (!answeredLast(ctx.session.history, answerHeadSchema.safeParse(ctx.session.memory['labor_law']).data?.answerHead)) return false;
  const length = [...text].length;
  return (length <= 25 && FOLLOW_UP_START.test(text)) || (length <= NEXT_STEP_MAX_CHARS && NEXT_STEP.test(text));
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
      llm,
      llmTimeoutMs: deps.config.OPENAI_TIMEOUT_MS,
      logger: deps.logger,
    });
    const reply: Reply = { text: answer.text, ...(answer.offerHandoff ? { choices: [HANDOFF_CHOICE] } : {}) };
    return { replies: [reply], memory: { ...memoryFor(answer, memory, ctx.now.getTime()), answerHead: answerHead([reply]) } };
  };

  return {
    id: 'labor_law',
    // Article-text requests ("第八十二条原文", "劳动合同法第三十八条是什么") and short follow-ups to a recent
    // answer ("那赔偿怎么算") need no classifier.
    matches: (ctx) => {
      const memory = readLawMemory(ctx.session.memory['labor_law']);
      return parseArticleRequest(ctx.text, kb.library, memory) !== null || isFollowUp(ctx, memory);
    },
    handle,
  };
};

export default createLaborLaw;
