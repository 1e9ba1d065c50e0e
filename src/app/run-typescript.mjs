/**
 * `node --import ./src/app/run-typescript.mjs <file.ts>`: how the bot, its tools and benches run their
 * TypeScript sources as they are, with stack traces pointing into them (see typescript-hooks.mjs for why not tsx).
 */
import { register } from 'node:module';

process.setSourceMapsEnabled(true);
register('./typescript-hooks.mjs', import.meta.url);
