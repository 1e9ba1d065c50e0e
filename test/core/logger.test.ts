import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, prettyDestination } from '../../src/core/logger.ts';

function capture() {
  const lines: string[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger('info', dest), text: () => lines.join('') };
}

const ID = '110105194912310021';
const PHONE = '13812345678';

describe('logger masking', () => {
  it('masks an error logged on its own (pino takes err.message as the line message)', () => {
    const { logger, text } = capture();
    logger.error(new Error(`bad id ${ID} phone ${PHONE}`));
    expect(text()).not.toContain(ID);
    expect(text()).not.toContain(PHONE);
    expect(text()).toContain('138****5678');
  });

  it('keeps an error under err (message and stack), masked', () => {
    const { logger, text } = capture();
    logger.error({ err: new Error(`no claim for ${PHONE}`) }, 'turn failed');
    const line = JSON.parse(text()) as { err?: { message?: string; stack?: string } };
    expect(line.err?.message).toBe('no claim for 138****5678');
    expect(line.err?.stack).toContain('no claim for 138****5678');
  });

  it('masks interpolated objects, nested objects and child bindings', () => {
    const { logger, text } = capture();
    logger.info('member %o', { phone: PHONE });
    logger.info({ a: { b: { c: [ID] } } }, 'nested');
    logger.child({ member: `web:${PHONE}` }).info('child');
    expect(text()).not.toContain(PHONE);
    expect(text()).not.toContain(ID);
  });

  it('masks a number whose groups a line break or a tab separates (written \\n, \\t in the JSON line)', () => {
    const { logger, text } = capture();
    logger.info({ said: '卡号 6222 0212 3456\n7890，电话 138\t1234\t5678' }, 'member text');
    expect(text()).not.toMatch(/0212|3456|1234/);
    expect(JSON.parse(text())).toMatchObject({ said: '卡号 6222********7890，电话 138****5678' });
  });

  it('logs bytes as their length, not as byte values', () => {
    const { logger, text } = capture();
    logger.info({ data: Buffer.from(`卡 ${ID}`) }, 'bytes');
    const line = JSON.parse(text()) as { data?: unknown };
    expect(line.data).toMatch(/^\[\d+ bytes\]$/);
  });
});

describe('pretty logs at a terminal', () => {
  it('writes one readable line per entry, still masked', () => {
    const lines: string[] = [];
    const logger = createLogger('info', prettyDestination({ write: (s: string) => lines.push(s) }));
    logger.warn({ member: 'web:u1', phone: PHONE }, 'rate limited');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d{2}:\d{2}:\d{2} WARN  rate limited {2}member=web:u1 phone=138\*\*\*\*5678\n$/);
  });
});
