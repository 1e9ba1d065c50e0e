/** Whether the statute texts beside the checkout are here (vitest.config.ts passes them on only then). */
export const haveStatutes = Boolean(process.env.KNOWLEDGE_STATUTES_DIR);
