/**
 * WeChat channel (wechaty): scan-to-login with the QR in the terminal (and on /api/status for a trusted viewer),
 * friend requests accepted as configured, reconnect with capped backoff, room/contact messages → pipeline →
 * replies. Every send goes through one paced queue per process: WeChat restricts accounts that send in bursts.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FileBox } from 'file-box';
import { WechatyBuilder, ScanStatus, log as wechatyLog, types } from 'wechaty';
import type { impls as PuppetImpls } from 'wechaty-puppet';
import type { ContactInterface, FriendshipInterface, MessageInterface, RoomInterface, WechatyInterface } from 'wechaty/impls';
import type { Engine } from '../../app/engine.ts';
import { CORE_TEXT } from '../../core/texts.ts';
import { receive, startDelivery, type Channel, type ChannelPort } from '../channel.ts';
import type { PacingLimits, SendFailure, SenderOptions } from '../../core/delivery/index.ts';
import { renderText, type Address, type InboundAttachment, type InboundMessage, type Reply } from '../../core/message.ts';
import { Reconnector, SendQueue, type BackoffOptions } from '../backoff.ts';
import { parseQuote, stripMentions } from './map.ts';
import { qrImageUrl, qrSvg, qrTerminal } from './qr.ts';

/** Files larger than this are not downloaded. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
/** A puppet that cannot connect errs many times a second (wechat4u offline: 69 in 30 s): one log line per window. */
const ERROR_LOG_WINDOW_MS = 30_000;

export interface WechatOptions {
  /** A puppet instance (tests inject wechaty-puppet-mock's PuppetMock); default: WECHATY_PUPPET. */
  puppet?: PuppetImpls.PuppetInterface;
  /** Minimum time between any two sends of this process (default 1000 ms). */
  sendIntervalMs?: number;
  /** Limits for sending to many (default: from WECHATY_DELIVERY_* settings, see wechatPacing). */
  pacing?: PacingLimits;
  /** The delivery sender's settings (tests: lease, poll). */
  delivery?: SenderOptions;
  /** Reconnect schedule after logout/error (default 1 s … 5 min with jitter). */
  backoff?: BackoffOptions;
  /** Print the login QR code in the terminal (default: unless LOG_LEVEL=silent). */
  printQr?: boolean;
  /** Longest wait for the puppet to stop (default 5 s): a stuck puppet must not keep the process from exiting. */
  stopTimeoutMs?: number;
}

/** starting: the puppet is starting; scan: waiting for the QR scan; logged-in; reconnecting: a retry is due after a failure. */
export type WechatState = 'starting' | 'scan' | 'logged-in' | 'reconnecting';

export interface WechatChannel extends Channel {
  /** Calls `listener` with the message id after each message has been handled (replies sent or dropped). For tests. */
  onHandled(listener: (messageId: string) => void): () => void;
}

interface Status {
  state: WechatState;
  user?: string;
  qrSvg?: string;
  qrUrl?: string;
  restarts: number;
}

type Target = { room?: RoomInterface; contact?: ContactInterface; mention?: ContactInterface };

export async function startWechat(engine: Engine, opts: WechatOptions = {}): Promise<WechatChannel> {
  const { config } = engine.deps;
  const log = engine.deps.logger.child({ platform: 'wechat' });
  // wechaty and its puppets print their own lines to the console, unmasked (wechat4u a whole raw message, text
  // and all): they go through our logger instead, which masks them, at debug (this channel logs what matters,
  // a puppet error once per window). Their logger is one per process.
  wechatyLog.enableLogging((libLevel, text) => log.debug({ lib: 'wechaty', libLevel }, text));
  const printQr = opts.printQr ?? config.LOG_LEVEL !== 'silent';

  let bot: WechatyInterface;
  if (opts.puppet) {
    bot = WechatyBuilder.build({ puppet: opts.puppet });
  } else {
    if (!config.WECHATY_PUPPET) throw new Error('WECHATY_PUPPET is not set (e.g. wechaty-puppet-wechat4u or wechaty-puppet-service)');
    // The memory card keeps the login session across restarts (no new scan each time).
    mkdirSync(config.DATA_DIR, { recursive: true });
    bot = WechatyBuilder.build({
      name: join(config.DATA_DIR, 'wechaty'),
      // Any puppet package name is allowed; wechaty's type only lists the official ones.
      puppet: config.WECHATY_PUPPET as 'wechaty-puppet-service',
      puppetOptions: config.WECHATY_PUPPET_SERVICE_TOKEN ? { token: config.WECHATY_PUPPET_SERVICE_TOKEN } : {},
    });
  }

  const status: Status = { state: 'starting', restarts: 0 };
  let stopped = false;
  let restarting = false;
  const queue = new SendQueue(opts.sendIntervalMs ?? 1000);
  const handledListeners = new Set<(messageId: string) => void>();

  const stopBot = async () => {
    let timer: NodeJS.Timeout | undefined;
    const stopping = bot.stop().catch((err: unknown) => log.warn({ err: errText(err) }, 'wechat stop failed'));
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        log.warn('wechat puppet did not stop in time; going on');
        resolve();
      }, opts.stopTimeoutMs ?? 5000);
    });
    await Promise.race([stopping, late]);
    clearTimeout(timer);
  };

  const setState = (state: WechatState, extra: Partial<Status> = {}) => {
    status.state = state;
    if (state !== 'scan') {
      status.qrSvg = undefined;
      status.qrUrl = undefined;
    }
    if (state !== 'logged-in') status.user = undefined;
    Object.assign(status, extra);
  };

  const reconnector = new Reconnector(
    async () => {
      status.restarts++;
      setState('starting');
      log.info({ restarts: status.restarts }, 'wechat restarting');
      restarting = true; // stop() may emit logout: that must not schedule yet another restart
      try {
        await stopBot();
        await bot.start();
      } finally {
        restarting = false;
      }
    },
    (err) => {
      setState('reconnecting');
      logError(err, 'wechat restart failed');
    },
    opts.backoff,
  );
  const scheduleRestart = (why: string) => {
    if (stopped || restarting || reconnector.pending) return;
    const delay = reconnector.schedule();
    if (delay === undefined) return;
    setState('reconnecting');
    log.warn({ why, delayMs: delay }, 'wechat will reconnect');
    // A puppet that cannot connect keeps retrying (and erring) on its own: it rests until the retry is due.
    void stopBot();
  };

  let lastErrorLogAt = 0;
  let unloggedErrors = 0;
  const logError = (err: unknown, msg: string) => {
    const now = Date.now();
    if (now - lastErrorLogAt < ERROR_LOG_WINDOW_MS) {
      unloggedErrors++;
      return;
    }
    log.error({ err: errText(err), ...(unloggedErrors ? { alsoSince: unloggedErrors } : {}) }, msg);
    lastErrorLogAt = now;
    unloggedErrors = 0;
  };

  bot.on('scan', (qrcode, scanStatus) => {
    if (scanStatus !== ScanStatus.Waiting && scanStatus !== ScanStatus.Timeout) {
      log.info({ scanStatus: ScanStatus[scanStatus] }, 'wechat scan status');
      return;
    }
    const url = qrImageUrl(qrcode);
    setState('scan', { qrUrl: url });
    log.info({ url }, 'wechat: scan the QR code to log in');
    void (async () => {
      try {
        const svg = await qrSvg(qrcode);
        if (status.state === 'scan' && status.qrUrl === url) status.qrSvg = svg;
        if (printQr) {
          const art = await qrTerminal(qrcode);
          process.stdout.write(`\n微信登录：请用微信扫描二维码（或打开 ${url}）\n${art ?? ''}\n`);
        }
      } catch (err) {
        log.warn({ err: errText(err) }, 'rendering the QR code failed');
      }
    })();
  });
  bot.on('login', (user) => {
    setState('logged-in', { user: user.name() });
    reconnector.succeeded();
    log.info({ user: user.name() }, 'wechat logged in');
  });
  bot.on('logout', (user, reason) => {
    log.warn({ user: user.name(), reason }, 'wechat logged out');
    scheduleRestart('logout');
  });
  bot.on('error', (err) => {
    logError(err, 'wechat error');
    // Errors while logged in or waiting for a scan are usually transient; a puppet that cannot connect is
    // stopped and restarted later, each time later (capped by the backoff's maximum).
    if (!bot.isLoggedIn && status.state !== 'scan') scheduleRestart('error');
  });
  bot.on('friendship', (friendship) => {
    void onFriendship(friendship).catch((err: unknown) => log.warn({ err: errText(err) }, 'wechat friend request failed'));
  });

  /** Members are told to write privately: accept their friend requests as configured, and greet them. */
  async function onFriendship(friendship: FriendshipInterface): Promise<void> {
    if (friendship.type() !== types.Friendship.Receive) return;
    const hello = friendship.hello();
    const accept =
      config.WECHATY_ACCEPT_FRIENDS === 'all' ||
      (config.WECHATY_ACCEPT_FRIENDS === 'keyword' && !!config.WECHATY_FRIEND_KEYWORD && hello.includes(config.WECHATY_FRIEND_KEYWORD));
    const contact = friendship.contact();
    log.info({ contactId: contact.id, accept }, 'wechat friend request');
    if (!accept) return;
    await queue.run(() => friendship.accept());
    await queue.run(() => contact.say(CORE_TEXT.friendWelcome));
  }
  bot.on('message', (m) => {
    void handleMessage(m).finally(() => {
      for (const listener of handledListeners) listener(m.id);
    });
  });

  async function toInbound(m: MessageInterface): Promise<{ msg: InboundMessage; target: Target; file: boolean } | null> {
    const type = m.type();
    const file = type === types.Message.Image || type === types.Message.Attachment;
    if (type !== types.Message.Text && !file) return null; // voice, stickers, links, system notices…
    const talker = m.talker();
    const room = m.room();
    if (talker.type() === types.Contact.Official) return null; // official accounts are not members
    let text = type === types.Message.Text ? m.text() : '';
    let repliesToBot = false;
    let mentionsBot = false;
    const selfNames: string[] = [];
    if (bot.isLoggedIn) {
      selfNames.push(bot.currentUser.name());
      if (room) selfNames.push((await room.alias(bot.currentUser).catch(() => undefined)) ?? '');
    }
    const quote = parseQuote(text);
    if (quote) {
      text = quote.reply;
      repliesToBot = selfNames.includes(quote.quotedName);
    }
    if (room) {
      mentionsBot = (await m.mentionSelf()) || selfNames.some((n) => n && text.includes(`@${n}`));
      if (mentionsBot) text = stripMentions(text, selfNames);
    }
    const senderName = (room && (await room.alias(talker).catch(() => undefined))) || talker.name() || talker.id;
    const chatName = room ? await room.topic().catch(() => '') : undefined;
    return {
      file,
      target: room ? { room, mention: talker } : { contact: talker },
      msg: {
        platform: 'wechat',
        chatId: room ? room.id : talker.id,
        chatType: room ? 'group' : 'private',
        senderId: talker.id,
        senderName,
        ...(chatName ? { chatName } : {}),
        text,
        mentionsBot,
        repliesToBot,
        attachments: [],
        messageId: m.id,
        sentAt: m.date().getTime(),
        fromSelf: m.self(),
      },
    };
  }

  async function download(m: MessageInterface): Promise<InboundAttachment | 'too-big'> {
    const box = await m.toFileBox();
    if (box.size > MAX_FILE_BYTES) return 'too-big'; // size is -1 when unknown
    const data = await box.toBuffer();
    if (data.length > MAX_FILE_BYTES) return 'too-big';
    return { name: box.name || `file-${m.id}`, mimeType: box.mediaType || 'application/octet-stream', data };
  }

  async function sendReplies(target: Target, replies: Reply[]): Promise<void> {
    let first = true;
    for (const reply of replies) {
      const text = renderText(reply);
      if (text) {
        const mention = first && !reply.namesMember ? target.mention : undefined;
        await queue.run(async () => {
          if (target.room) await (mention ? target.room.say(text, mention) : target.room.say(text));
          else if (target.contact) await target.contact.say(text);
        });
        first = false;
      }
      if (reply.file) {
        // Base64 boxes serialize for every puppet (puppet-service, mock); buffer boxes do not.
        const box = FileBox.fromBase64(reply.file.data.toString('base64'), reply.file.name);
        await queue.run(async () => {
          await (target.room ?? target.contact)?.say(box);
        });
        first = false;
      }
    }
  }

  const port: ChannelPort<Target> = {
    platform: 'wechat',
    capabilities: { groups: true, buttons: false },
    log,
    send: sendReplies,
    pacing: opts.pacing ?? wechatPacing(config),
    // One at a time: a personal account is paced in tens of seconds anyway.
    concurrency: 1,
    // Queued items wait in the ledger while logged out.
    ready: () => bot.isLoggedIn && !stopped,
    async deliver(to, reply) {
      await sendReplies(await findTarget(to), [reply]);
    },
    classify: classifyWechatError,
    fileTooBigText: CORE_TEXT.fileTooBig,
  };

  async function handleMessage(m: MessageInterface): Promise<void> {
    let mapped: Awaited<ReturnType<typeof toInbound>>;
    try {
      mapped = await toInbound(m);
    } catch (err) {
      log.error({ messageId: m.id, err: errText(err) }, 'wechat message could not be read');
      return;
    }
    if (!mapped) return;
    await receive(engine, port, { msg: mapped.msg, target: mapped.target, files: mapped.file ? async () => [await download(m)] : undefined });
  }

  async function findTarget(to: Address): Promise<Target> {
    if (to.chatType === 'group') {
      const room = await bot.Room.find({ id: to.chatId });
      if (!room) throw new UnreachableError(`room ${to.chatId} not found`);
      const mention = to.mentionUserId ? await bot.Contact.find({ id: to.mentionUserId }) : undefined;
      return { room, mention };
    }
    const contact = await bot.Contact.find({ id: to.chatId });
    if (!contact) throw new UnreachableError(`contact ${to.chatId} not found`);
    return { contact };
  }

  try {
    await bot.start();
  } catch (err) {
    // A puppet that cannot start must not take the other channels down: retry in the background.
    logError(err, 'wechat start failed, will retry');
    scheduleRestart('start failed');
  }

  const sender = startDelivery(engine, port, opts.delivery);

  return {
    name: 'wechat',
    status: () => ({
      state: status.state,
      restarts: status.restarts,
      ...(status.user ? { user: status.user } : {}),
      ...(status.qrSvg ? { qrSvg: status.qrSvg } : {}),
      ...(status.qrUrl ? { qrUrl: status.qrUrl } : {}),
    }),
    onHandled(listener) {
      handledListeners.add(listener);
      return () => handledListeners.delete(listener);
    },
    async stop() {
      stopped = true;
      reconnector.stop();
      await sender.stop();
      await stopBot();
    },
  };
}

/** The account is no longer in the room, or the contact is gone: sending again cannot help. */
class UnreachableError extends Error {}

/**
 * Personal WeChat restricts accounts after 50–100 fast sends; people who kept theirs wait 15–50 s at random.
 * Defaults: at least WECHATY_DELIVERY_GAP_MS (20 s) between sends plus up to WECHATY_DELIVERY_JITTER_MS at random,
 * and at most WECHATY_DAILY_CAP sends in any 24 hours — for all processes together.
 */
export function wechatPacing(config: { WECHATY_DELIVERY_GAP_MS: number; WECHATY_DELIVERY_JITTER_MS: number; WECHATY_DAILY_CAP: number }): PacingLimits {
  return {
    platform: [
      { count: 1, perMs: config.WECHATY_DELIVERY_GAP_MS },
      { count: config.WECHATY_DAILY_CAP, perMs: 24 * 3600_000 },
    ],
    minGapMs: config.WECHATY_DELIVERY_GAP_MS,
    jitterMs: config.WECHATY_DELIVERY_JITTER_MS,
  };
}

export function classifyWechatError(err: unknown): SendFailure {
  const reason = errText(err).slice(0, 120);
  return err instanceof UnreachableError ? { kind: 'permanent', reason } : { kind: 'transient', reason };
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
