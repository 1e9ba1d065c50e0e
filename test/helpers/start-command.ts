/** How `npm start` runs the bot (package.json): test and bench processes start with the same node flags. */
import { readFileSync } from 'node:fs';

const start = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }).scripts.start;
const words = start.split(/\s+/);

/** The words of `npm start` after `node`: its flags, `--import` and the entry. */
export const START_COMMAND = words.slice(1);
/** `npm start`'s node flags before `--import` (the young generation's size: see "The young generation" in docs/performance.md). */
export const START_NODE_FLAGS = words.slice(1, words.indexOf('--import'));
