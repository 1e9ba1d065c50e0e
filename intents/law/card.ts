/** Labor-law topic cards: our own plain-language summaries in knowledge/labor-law/*.json, citing article numbers. */
import { z } from 'zod';
import { CALCULATORS } from './figures.ts';

export const citationSchema = z.object({
  /** Short law name = a file name in KNOWLEDGE_STATUTES_DIR without `.md`, e.g. 劳动合同法, 劳动争议解释（二）. */
  law: z.string().min(2),
  article: z.number().int().positive(),
});
export type Citation = z.infer<typeof citationSchema>;
/** One article's key in maps of citations ("劳动合同法#47"). */
export const citationKey = (law: string, article: number): string => `${law}#${article}`;

export const cardSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  title: z.string().min(2),
  /** Colloquial ways members ask about this topic (at least 5). */
  phrasings: z.array(z.string().min(2)).min(5),
  /** Extra search terms (legal and colloquial) that do not fit a phrasing. */
  keywords: z.array(z.string()).default([]),
  /** 2–6 sentences in plain Chinese: the rule, the numbers that matter. */
  answer: z.string().min(20).max(600),
  /** Concrete next steps for the member. */
  nextSteps: z.array(z.string().min(2)).min(1).max(6),
  /** Most relevant first. Every citation must resolve to an existing article. Empty only for `provincial` cards. */
  citations: z.array(citationSchema),
  /** No national statute in the folder: answered from provincial practice, without a citation (高温津贴). */
  provincial: z.boolean().optional(),
  /** Date (YYYY-MM-DD) the newest rule relied on took effect. */
  ruleDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** How 劳动争议解释（二） (2025-09-01) changed the rule, when it did. */
  change2025: z.string().optional(),
  /** The sum this topic is about: a follow-up giving figures ("月薪6000，干了3年") is computed with it. */
  calculator: z.enum(CALCULATORS).optional(),
  /** 2–3 sentences: the conclusion for a phone screen, conditions kept. Defaults to the answer's first sentences. */
  summary: z.string().min(10).max(160).optional(),
  /** Ids of cards a follow-up question most likely moves to (e.g. from dismissal to compensation). */
  related: z.array(z.string()).default([]),
});
export type Card = z.infer<typeof cardSchema>;
/** A card cites at least one article unless it says it rests on provincial rules only. */
export const checkedCardSchema = cardSchema.refine((c) => c.citations.length > 0 || c.provincial === true, { message: 'citations: at least one, unless provincial', path: ['citations'] });
