/** Intent classification without an LLM (optional LLM fallback): see classifier.ts. */
export { createClassifier, type Classifier, type Classification, type TrainOptions } from './classifier.ts';
export { withLlmFallback, parseLlmIntent, classifySystemPrompt, type AsyncClassifier, type FallbackLogger, type FallbackOptions } from './llm-fallback.ts';
export { asksService, normalize } from './features.ts';
export { closingKind, type ClosingKind } from './closing.ts';
