/**
 * WeCom group robots (群机器人, 消息推送): a webhook per internal group, for notices and broadcasts to groups the
 * bot cannot join. A channel of its own (platform `wecomrobot`: it only sends), so it works with or without the
 * WeCom app. Each robot is listed in the group directory as `wecomrobot:<群名>`, so staff pick it like any
 * group; what is sent to it waits in the delivery ledger and goes out at most 20 a minute per robot (WeCom's
 * limit, shared by every process), text as text, pictures inline, other files uploaded first.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { FileResolvers } from '../../core/files.ts';
import type { GroupDirectory } from '../../core/groups.ts';
import { ApiError } from './api.ts';
import { jobFile, repliesToJobs, type OfficialJob } from './jobs.ts';
import { OFFICIAL_TEXT } from './texts.ts';
import type { Reply } from '../../core/message.ts';
import type { Engine } from '../../app/engine.ts';
import { CORE_TEXT } from '../../core/texts.ts';
import { startDelivery, type Channel, type ChannelPort } from '../channel.ts';
import { PermanentDeliveryError, type SendFailure } from '../../core/delivery/index.ts';
import { sleepMs } from '../backoff.ts';

export interface Robot {
  name: string;
  key: string;
}

/** WeCom accepts 20 messages a minute per robot. */
export const ROBOT_PER_MINUTE = 20;
/** Pictures go inline up to this size (WeCom's cap); bigger ones as files. */
const INLINE_IMAGE_BYTES = 2 * 1024 * 1024;
/** Robot errcodes that will not pass: a removed robot or a wrong key. */
const ROBOT_GONE = new Set([93000, 93008]);
const resultSchema = z.looseObject({ errcode: z.number().default(0), errmsg: z.string().default(''), media_id: z.string().optional() });

export class RobotSender {
  private readonly byName: Map<string, Robot>;

  constructor(
    private readonly apiRoot: string,
    robots: Robot[],
    private readonly files: FileResolvers,
  ) {
    this.byName = new Map(robots.map((r) => [r.name, r]));
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Lists every robot in the group directory (again at each start, so they stay among the recent groups). */
  async list(groups: GroupDirectory, redis: Redis, now: number): Promise<void> {
    const batch = redis.multi();
    for (const robot of this.byName.values()) {
      groups.record(batch, {
        platform: 'wecomrobot', chatId: robot.name, chatType: 'group', chatName: OFFICIAL_TEXT.robotGroupName(robot.name), senderId: '', senderName: '',
        text: '', mentionsBot: false, repliesToBot: false, attachments: [], messageId: '', sentAt: now, fromSelf: false,
      }, now);
    }
    await batch.exec();
  }

  /** Sends one message to the robot named `name`; throws what went wrong (see classify). */
  async post(name: string, job: OfficialJob): Promise<void> {
    const robot = this.byName.get(name);
    if (!robot) throw new PermanentDeliveryError(`no group robot named ${name} is configured (WECOM_ROBOTS)`);
    if (job.text !== undefined) {
      await this.call(robot, '/cgi-bin/webhook/send', { msgtype: 'text', text: { content: job.text } });
    } else if (job.file) {
      const file = await jobFile(job, this.files);
      if (!file) throw new PermanentDeliveryError('the file is no longer available');
      if (/^image\/(jpe?g|png)$/i.test(file.mimeType) && file.data.length <= INLINE_IMAGE_BYTES) {
        await this.call(robot, '/cgi-bin/webhook/send', { msgtype: 'image', image: { base64: file.data.toString('base64'), md5: createHash('md5').update(file.data).digest('hex') } });
      } else {
        const mediaId = await this.upload(robot, file);
        await this.call(robot, '/cgi-bin/webhook/send', { msgtype: 'file', file: { media_id: mediaId } });
      }
    }
  }

  private url(robot: Robot, path: string, extra: Record<string, string> = {}): URL {
    const url = new URL(this.apiRoot.replace(/\/+$/, '') + path);
    url.searchParams.set('key', robot.key);
    for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
    return url;
  }

  private async call(robot: Robot, path: string, body: unknown): Promise<void> {
    await this.request(path, this.url(robot, path), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  private async upload(robot: Robot, file: { name: string; mimeType: string; data: Buffer }): Promise<string> {
    const form = new FormData();
    form.append('media', new Blob([new Uint8Array(file.data)], { type: file.mimeType }), file.name);
    const result = await this.request('/cgi-bin/webhook/upload_media', this.url(robot, '/cgi-bin/webhook/upload_media', { type: 'file' }), { method: 'POST', body: form });
    if (!result.media_id) throw new ApiError('/cgi-bin/webhook/upload_media', undefined, 'no media_id', false);
    return result.media_id;
  }

  private async request(path: string, url: URL, init: RequestInit): Promise<z.infer<typeof resultSchema>> {
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
    } catch (err) {
      // The message never carries the URL (and so never the robot's key).
      throw new ApiError(path, undefined, err instanceof Error ? err.message : String(err), true);
    }
    const parsed = resultSchema.safeParse(await res.json().catch(() => null));
    if (!res.ok || !parsed.success) throw new ApiError(path, undefined, `HTTP ${res.status}`, res.status >= 500 || res.status === 429);
    if (parsed.data.errcode !== 0) throw new ApiError(path, parsed.data.errcode, parsed.data.errmsg, [-1, 45009].includes(parsed.data.errcode));
    return parsed.data;
  }
}

/** How a failed robot send reads for the delivery path: WeCom's minute limit waits, a removed robot or a bad request fails. */
export function classifyRobotError(err: unknown): SendFailure {
  const reason = (err instanceof Error ? err.message : String(err)).slice(0, 160);
  if (err instanceof ApiError && err.errcode === 45009) return { kind: 'retry-after', ms: 60_000, reason };
  if (err instanceof ApiError && ((err.errcode !== undefined && ROBOT_GONE.has(err.errcode)) || !err.retryable)) return { kind: 'permanent', reason };
  return { kind: 'transient', reason };
}

/**
 * The robots as a channel: listed as groups, nothing to receive. Their notices and broadcasts come straight from
 * the delivery ledger, which paces them (20 a minute per robot, shared by every process), retries what can pass
 * and reports what cannot, so a broadcast's progress counts what WeCom accepted.
 */
export async function startWecomRobots(engine: Engine): Promise<Channel> {
  const { config, redis, files, groups } = engine.deps;
  const log = engine.deps.logger.child({ platform: 'wecomrobot' });
  const now = () => engine.deps.now().getTime();
  const robots = new RobotSender(config.WECOM_API_ROOT, config.WECOM_ROBOTS, files);
  await robots.list(groups, redis, now());
  const pacing = { groupChat: [{ count: ROBOT_PER_MINUTE, perMs: 60_000 }] };
  const pacer = engine.outbox.pacer;

  /** One reply is one paced part; a reply that makes two messages (text and a file) books a slot for the second. */
  async function post(name: string, replies: Reply[]): Promise<void> {
    const to = { chatType: 'group' as const, chatId: name };
    for (const [i, job] of repliesToJobs(replies).entries()) {
      if (i > 0) {
        for (;;) {
          const slot = await pacer.book('wecomrobot', pacing, to, now(), 2000);
          const early = slot.at - now();
          if (early > 0) await sleepMs(early);
          if (slot.booked) break;
        }
      }
      await robots.post(name, job);
    }
  }

  const port: ChannelPort<string | null> = {
    platform: 'wecomrobot',
    capabilities: { groups: true, buttons: false },
    log,
    async send(name, replies) {
      if (name) await post(name, replies);
    },
    pacing,
    // One at a time per process: a group's notices arrive in the order they were queued.
    concurrency: 1,
    ready: () => true,
    async deliver(to, reply) {
      if (!robots.has(to.chatId)) throw new PermanentDeliveryError('no group robot of that name is configured (WECOM_ROBOTS)');
      await post(to.chatId, [reply]);
    },
    classify: classifyRobotError,
    fileTooBigText: CORE_TEXT.fileTooBig,
  };
  const sender = startDelivery(engine, port, { now });
  log.info({ robots: config.WECOM_ROBOTS.map((r) => r.name) }, 'WeCom group robots ready');
  return {
    name: 'wecomrobot',
    status: () => ({ state: 'ready', robots: config.WECOM_ROBOTS.length }),
    async stop() {
      await sender.stop();
    },
  };
}
