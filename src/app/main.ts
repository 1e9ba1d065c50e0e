/** Entry point: `npm start`. Web chat on http://localhost:3000; embedded Redis unless REDIS_URL is set. */
import { ConfigError, loadConfig } from '../core/config.ts';
import { UnreadableDataError } from '../core/crypto.ts';
import { DirectoryInUseError } from '../core/redis-server.ts';
import { existsSync } from 'node:fs';
import { createLogger, prettyDestination } from '../core/logger.ts';
import { createEngine } from './engine.ts';
import { startChannels } from '../channels/index.ts';

/** Settings from `.env` in the working folder, when present; variables already set win. */
function loadDotEnv(): void {
  if (!existsSync('.env')) return;
  process.loadEnvFile('.env');
}

async function main(): Promise<void> {
  let config;
  try {
    loadDotEnv();
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  // Readable lines for a person at a terminal; JSON for log collectors.
  const logger = createLogger(config.LOG_LEVEL, process.stdout.isTTY ? prettyDestination(process.stdout) : undefined);
  const engine = await createEngine(config, logger);
  let app;
  try {
    app = await startChannels(engine);
  } catch (err) {
    await engine.close();
    throw err;
  }
  logger.info({ url: app.url, channels: app.channels.map((c) => c.name) }, `工会小助手 is running: open ${app.url}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await app.stop();
    await engine.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  // Another bot on the same DATA_DIR, or data under a key no longer configured, is an operator's mistake, not a crash: say so in one line.
  console.error('start-up failed:', err instanceof DirectoryInUseError || err instanceof UnreadableDataError ? err.message : err);
  process.exit(1);
});
