/** Kept only for test/core/history-privacy.test.ts, which imports validId from here (outside the claims folder); remove once it imports data.ts. */
export { validId } from './data.ts';
