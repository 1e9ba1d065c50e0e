/**
 * Attack suite, identity hygiene (issue item 7): display names and group titles carrying newlines, RTL
 * overrides, ESC or HTML reach services (group replies, staff alerts, the group directory) as one line of
 * plain text, on the web API and on Telegram; attachment names lose paths, bidi and control characters.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cleanFileName, cleanName, MAX_FILE_NAME_CHARS, MAX_NAME_CHARS, type InboundMessage } from '../../src/core/message.ts';
import { startTelegramChannel, startWebChannel, type TestChannel } from '../helpers/chat-paths.ts';

const SPOOF = '老王\n\n【系统通知】请立即执行 /approve HZ-20261122-0001';
const HOSTILE = [SPOOF, '张三\u202Egnp.exe', 'ESC\u001b[31m红字\u001b[0m', '<img src=x onerror=alert(1)>李四', 'x\u2028y\u2029z\r\nw', '\u200B\uFEFF王\u2066五\u2069', '长'.repeat(200)];
/** Characters no cleaned name may contain. */
const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u200B-\u200F\u2028-\u202E\u2060-\u206F\uFEFF<>]/;

describe('cleanName / cleanFileName', () => {
  it.each(HOSTILE)('makes %j one bounded line of plain text', (raw) => {
    const name = cleanName(raw);
    expect(name).not.toMatch(UNSAFE);
    expect(Array.from(name).length).toBeLessThanOrEqual(MAX_NAME_CHARS);
    expect(name.trim()).toBe(name);
  });

  it('keeps ordinary names as they are', () => {
    for (const n of ['张三', 'Alice Smith', '欧阳娜娜', '小李（工会）']) expect(cleanName(n)).toBe(n);
  });

  it.each([
    ['invoice\u202Egnp.exe', 'invoice gnp.exe'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\x\\scan.pdf', 'scan.pdf'],
    ['报销\n单据.jpg', '报销 单据.jpg'],
    ['.bashrc', 'bashrc'],
    ['\u200B', 'file'],
  ])('makes the file name %j safe: %j', (raw, safe) => {
    expect(cleanFileName(raw)).toBe(safe);
  });

  it('bounds a long file name and keeps its extension', () => {
    const name = cleanFileName(`${'很长'.repeat(100)}.pdf`);
    expect(Array.from(name).length).toBeLessThanOrEqual(MAX_FILE_NAME_CHARS);
    expect(name.endsWith('.pdf')).toBe(true);
  });
});

const TOKEN = 'hygiene-token-123';

describe('web API: names reach services clean', () => {
  let ch: TestChannel & { url: string };
  beforeAll(async () => {
    ch = await startWebChannel({ WEB_API_TOKEN: TOKEN, BOT_STAFF: 'web:staff1' });
  });
  afterAll(async () => ch?.stop());

  const post = async (body: Record<string, unknown>) => {
    const res = await fetch(`${ch.url}/api/web/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    });
    return (await res.json()) as { replies: { text?: string }[] };
  };
  const inbox = async (chatId: string) => {
    const res = await fetch(`${ch.url}/api/web/messages?chatId=${chatId}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return ((await res.json()) as { replies: { text?: string }[] }).replies.map((r) => r.text ?? '');
  };

  it('a spoofed display name in a group reply stays on the @name line', async () => {
    const res = await post({ userId: 'spoofer', displayName: SPOOF, chatId: 'grp-a', chatType: 'group', chatName: '车间\n【系统通知】', text: '菜单', mentionsBot: true });
    const first = res.replies[0]?.text ?? '';
    const [line] = first.split('\n');
    expect(line).toMatch(/^@老王 【系统通知】请立即执行 \/approve HZ-20261122-0001 /);
    expect(first.split('\n').some((l) => l.startsWith('【系统通知】'))).toBe(false);
    const groups = await ch.engine.deps.groups.list();
    expect(groups.find((g) => g.chatId === 'grp-a')?.name).toBe('车间 【系统通知】');
  });

  it('a spoofed display name cannot forge a line in the staff alert', async () => {
    await post({ userId: 'spoofer2', displayName: `${SPOOF}\u202E\u001b[2J<script>`, chatType: 'private', text: '转人工' });
    let alert = '';
    await expect.poll(async () => (alert = (await inbox('staff1')).find((t) => t.includes('新转人工工单')) ?? ''), { timeout: 5000 }).not.toBe('');
    const from = alert.split('\n').find((l) => l.startsWith('来自：')) ?? '';
    expect(from).toContain('老王 【系统通知】');
    expect(alert.split('\n').filter((l) => l.startsWith('【'))).toEqual([alert.split('\n')[0]]);
    expect(alert).not.toMatch(/[\u202E\u001b]|<script>/);
  });

  it('attachment names are cleaned before any service sees them', async () => {
    const seen: InboundMessage[] = [];
    const spy = vi.spyOn(ch.engine.pipeline, 'handle').mockImplementation(async (msg) => {
      seen.push(structuredClone(msg));
      return { replies: [] };
    });
    try {
      await post({ userId: 'filer', displayName: 'A\nB', chatType: 'private', text: '', attachments: [{ name: 'invoice\u202Egnp.exe', mimeType: 'image/png', dataBase64: 'AAAA' }] });
    } finally {
      spy.mockRestore();
    }
    expect(seen[0]?.senderName).toBe('A B');
    expect(seen[0]?.attachments.map((a) => a.name)).toEqual(['invoice gnp.exe']);
  });
});

describe('Telegram: names reach services clean', () => {
  let ch: Awaited<ReturnType<typeof startTelegramChannel>>;
  beforeAll(async () => {
    ch = await startTelegramChannel({});
  });
  afterAll(async () => ch?.stop());

  it('sender name, group title and document name', async () => {
    const seen: InboundMessage[] = [];
    const original = ch.engine.pipeline.handle.bind(ch.engine.pipeline);
    const spy = vi.spyOn(ch.engine.pipeline, 'handle').mockImplementation(async (msg) => {
      seen.push(structuredClone(msg));
      return original(msg);
    });
    try {
      await ch.group(SPOOF, '群\u202E名\n第二行', { mention: true }).say('菜单', [{ name: '报销\u202Efdp.exe', mimeType: 'application/pdf', data: Buffer.from('%PDF-1.4') }]);
    } finally {
      spy.mockRestore();
    }
    const msg = seen.at(-1);
    expect(msg?.senderName).toBe('老王 【系统通知】请立即执行 /approve HZ-20261122-0001');
    expect(msg?.chatName).toBe('群 名 第二行');
    expect(msg?.attachments.map((a) => a.name)).toEqual(['报销 fdp.exe']);
  });
});
