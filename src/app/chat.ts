/** `npm run chat`: talk to the bot in the terminal, through the same pipeline as every channel. */
import { createInterface } from 'node:readline/promises';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logger.ts';
import { renderText } from '../core/message.ts';
import { createEngine } from './engine.ts';

const config = loadConfig();
const engine = await createEngine(config, createLogger(process.env.LOG_LEVEL ?? 'warn'));
const userId = process.env.CHAT_USER ?? 'terminal';
const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: '你> ' });
console.log('工会小助手（终端版）。输入问题回车发送，Ctrl+D 退出。');
rl.prompt();
for await (const line of rl) {
  if (line.trim()) {
    const outcome = await engine.pipeline.handle({
      platform: 'web', chatId: userId, chatType: 'private', senderId: userId, senderName: userId, text: line,
      mentionsBot: false, repliesToBot: false, attachments: [], messageId: randomUUID(), sentAt: Date.now(), fromSelf: false,
    });
    for (const reply of outcome.replies) console.log(`小助手> ${renderText(reply)}\n`);
  }
  rl.prompt();
}
await engine.close();
