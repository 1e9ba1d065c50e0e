import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/app/cli-nlu.ts';

afterEach(() => vi.restoreAllMocks());

describe('cli nlu', () => {
  it('prints one prediction per line and the accuracy', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'nlu-cli-')), 'set.jsonl');
    writeFileSync(file, ['{"text":"转人工","intent":"handoff"}', '{"text":"我要报名羽毛球赛","intent":"event_register"}', '{"text":"取消报名","intent":"help"}', ''].join('\n'));
    const out: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((s: unknown) => void out.push(String(s)));
    expect(await run([file])).toBe(0);
    expect(out).toHaveLength(4);
    const first = JSON.parse(out[0] ?? '') as { text: string; intent: string; confidence: number };
    expect(first).toMatchObject({ text: '转人工', intent: 'handoff' });
    expect(first.confidence).toBeGreaterThan(0.5);
    expect(JSON.parse(out[2] ?? '')).toMatchObject({ intent: 'event_cancel' });
    expect(out[3]).toBe('accuracy=0.667 n=3');
  });

  it('fails with usage when no file is given, and on a malformed line', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(await run([])).toBe(2);
    const file = join(mkdtempSync(join(tmpdir(), 'nlu-cli-')), 'bad.jsonl');
    writeFileSync(file, 'not json\n');
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await run([file])).toBe(1);
  });
});
