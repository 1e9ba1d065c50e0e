/** Optional LLM second opinion for messages the local classifier is unsure about. */
import { maskPersonalNumbers } from '../core/text.ts';
import { z } from 'zod';
import { INTENT_IDS, type IntentId } from '../core/intent.ts';
import type { Llm, ChatMessage } from '../llm/client.ts';
import type { Classification, Classifier } from './classifier.ts';

/** What the pipeline needs: an async `classify`. `classifyAsync` is the same function. */
export interface AsyncClassifier {
  classify(text: string): Promise<Classification>;
  classifyAsync(text: string): Promise<Classification>;
  /** The local classifier, for callers that must not wait on a network call. */
  local: Classifier;
}

/** The subset of a pino logger used here. */
export interface FallbackLogger {
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface FallbackOptions {
  /** Give up on the model after this long and keep the local result (default 4000 ms). */
  timeoutMs?: number;
  /** Confidence reported for an answer taken from the model (default 0.8). */
  llmConfidence?: number;
}

const INTENT_DESCRIPTIONS: Record<IntentId, string> = {
  labor_law: '劳动法律咨询：工资、劳动合同、加班、辞退、工伤、社保、休假、女职工权益、劳动仲裁等',
  claim_info: '咨询职工互助保障（住院医疗互助、重大疾病互助、意外伤害互助、女职工特殊疾病互助）的规则：材料、额度、时限、谁能参加、能报多少',
  claim_submit: '要申请/提交互助金（互助保障理赔）',
  claim_status: '查询自己已提交的互助申请的进度、审核结果、到账情况',
  event_list: '询问工会有哪些活动（运动会、联谊、培训、义诊、招聘会、观影、亲子活动等）',
  event_register: '报名参加某个工会活动',
  event_cancel: '取消已报名的活动',
  help: '打招呼、问机器人能做什么、要菜单',
  handoff: '要找人工、工会工作人员或负责人',
  unknown: '与工会服务无关的闲聊、无意义内容',
};

/** The system prompt (Chinese, since members write Chinese). */
export const CLASSIFY_SYSTEM_PROMPT = [
  '你是工会小助手的意图分类器。把会员的一句话归入下列意图之一：',
  ...INTENT_IDS.map((id) => `- ${id}: ${INTENT_DESCRIPTIONS[id]}`),
  '只输出 JSON，例如 {"intent":"labor_law"}，不要输出其他内容。',
].join('\n');

const answerSchema = z.object({ intent: z.enum(INTENT_IDS) });

/** Parse the model's answer: a JSON object (possibly in a code fence) or a bare id. Null if invalid. */
export function parseLlmIntent(raw: string): IntentId | null {
  const text = raw.trim().replace(/^```(?:json)?\s*/u, '').replace(/\s*```$/u, '').trim();
  const bare = text.replace(/^["']|["']$/gu, '');
  if ((INTENT_IDS as readonly string[]).includes(bare)) return bare as IntentId;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = answerSchema.safeParse(json);
  return parsed.success ? parsed.data.intent : null;
}

/**
 * Wrap a local classifier: when its confidence is below `threshold` and an LLM is configured,
 * ask the model; an invalid answer, an error or a timeout keeps the local result.
 */
export function withLlmFallback(
  classifier: Classifier,
  llm: Llm | null,
  threshold = 0.5,
  logger?: FallbackLogger,
  opts: FallbackOptions = {},
): AsyncClassifier {
  const timeoutMs = opts.timeoutMs ?? 4000;
  const llmConfidence = opts.llmConfidence ?? 0.8;

  const classifyAsync = async (text: string): Promise<Classification> => {
    const local = classifier.classify(text);
    if (!llm || local.confidence >= threshold || !text.trim()) return local;
    const messages: ChatMessage[] = [
      { role: 'system', content: CLASSIFY_SYSTEM_PROMPT },
      // Personal numbers never leave for a third-party model.
      { role: 'user', content: maskPersonalNumbers(text.slice(0, 500)) },
    ];
    let timer: NodeJS.Timeout | undefined;
    try {
      const raw = await Promise.race([
        llm.complete(messages, { maxTokens: 30, json: true }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`LLM intent classification timed out after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      const intent = parseLlmIntent(raw);
      if (!intent) {
        logger?.warn({ answer: raw.slice(0, 200), local }, 'LLM gave no valid intent; keeping the local result');
        return local;
      }
      logger?.debug({ local, llm: intent }, 'intent from LLM fallback');
      return { intent, confidence: Math.max(llmConfidence, intent === local.intent ? local.confidence : 0) };
    } catch (err) {
      logger?.warn({ err, local }, 'LLM intent classification failed; keeping the local result');
      return local;
    } finally {
      if (timer) clearTimeout(timer);
    }
  };

  return { classify: classifyAsync, classifyAsync, local: classifier };
}
