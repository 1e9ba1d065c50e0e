/**
 * The group directory through the pipeline: a group the bot is addressed in is listed with its name and when it
 * was last seen; a busy group is written at most once a minute per process, a new name at once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RECORD_EVERY_MS } from '../../src/core/groups.ts';
import { Harness } from '../helpers/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await Harness.start({ now: new Date('2026-11-20T02:00:00Z') });
});
afterAll(async () => {
  await h?.stop();
});

const say = (chatName: string) => h.send({ senderId: 'g-member', chatId: '-100123', chatType: 'group', chatName, mentionsBot: true, text: '菜单' });
const listed = async () => (await h.engine.deps.groups.list()).find((g) => g.chatId === '-100123');

it('records a group when addressed there, then at most once a minute, and a new name at once', async () => {
  const first = h.clock.now.getTime();
  await say('车间一群');
  expect(await listed()).toMatchObject({ name: '车间一群', lastSeenAt: first });
  h.advance(10_000);
  await say('车间一群');
  expect((await listed())?.lastSeenAt).toBe(first);
  h.advance(10_000);
  await say('车间一群（新）');
  expect(await listed()).toMatchObject({ name: '车间一群（新）', lastSeenAt: first + 20_000 });
  h.advance(RECORD_EVERY_MS);
  await say('车间一群（新）');
  expect((await listed())?.lastSeenAt).toBe(first + 20_000 + RECORD_EVERY_MS);
});
