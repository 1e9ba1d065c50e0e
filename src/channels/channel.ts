/**
 * The channel contract. A channel normalizes platform updates into InboundMessages and sends replies;
 * what every channel does around that — downloading files only for messages the bot will read, running
 * the pipeline, the apology when something fails after it, and sending to many (notifications,
 * reminders, broadcasts) through the one delivery path at the platform's declared pace — is written once here.
 */
import { recordSend } from '../core/metrics.ts';
import { newRequestId } from '../core/logger.ts';
import type { Logger } from 'pino';
import type { Engine } from '../app/engine.ts';
import { cleanInboundNames, type Address, type InboundAttachment, type InboundMessage, type Platform, type Reply } from '../core/message.ts';
import { DeliverySender, type PacingLimits, type SendFailure, type SenderOptions } from '../core/delivery/index.ts';
import type { PipelineOutcome } from '../core/pipeline.ts';
import { CORE_TEXT } from '../core/texts.ts';

/** What every platform channel gives the app: a way to stop and a status line for /api/status. */
export interface Channel {
  name: string;
  status(): Record<string, unknown>;
  stop(): Promise<void>;
}

export interface ChannelCapabilities {
  /** The platform has group chats. */
  groups: boolean;
  /** Choices can be buttons (otherwise a numbered list the member answers with a number). */
  buttons: boolean;
  /** How long after a member's last message the bot may still write to them; absent: no limit. */
  replyWindowMs?: number;
}

/** One platform's part: how to send replies to an address, and what the platform allows. */
export interface ChannelPort<Target> {
  platform: Platform;
  capabilities: ChannelCapabilities;
  log: Logger;
  /**
   * Sends (or queues) the replies. `inReplyTo`: the message answered; a channel that queues replies durably
   * queues a message's replies once, so a message handled again (its inbox drained again after a crash, its turn
   * replayed) is not answered twice.
   */
  send(target: Target, replies: Reply[], inReplyTo?: string): Promise<void>;
  /**
   * Sending to many (src/core/delivery/port.ts): the platform's limits as data (shared by every process through
   * Redis), one attempt per reply (the ledger retries), and how a failure reads (wait, give up, retry).
   */
  pacing: PacingLimits;
  /** Items sent at once by this process (their pacing is shared all the same). */
  concurrency: number;
  /** False while the platform cannot send (logged out, not connected): queued items wait in the ledger. */
  ready(): boolean;
  deliver(to: Address, reply: Reply): Promise<void>;
  classify(err: unknown): SendFailure;
  /** Said instead of a file that was too big to download (the text of the message still goes through). */
  fileTooBigText: string;
  /** Removes secrets (a bot token in a request URL) from error text before it is logged. */
  redact?(text: string): string;
}

/** A normalized message with its reply target and the platform's lazy file download. */
export interface Received<Target> {
  msg: InboundMessage;
  target: Target;
  /** Downloads the message's files; 'too-big' for one over the platform's cap. */
  files?: () => Promise<Array<InboundAttachment | 'too-big'>>;
  /** Log context (update id, message id). */
  logContext?: Record<string, unknown>;
  /** The id of the HTTP request that brought the message, when it is answered in that request: its lines and the pipeline's share it. */
  reqId?: string;
}

/**
 * Handles one inbound message: files are downloaded only when the bot will read the message, the
 * member-chosen names (sender, group, files) are cleaned in place (so the caller's own use of the message
 * sees them clean too), the pipeline answers, the replies are sent. A failure after the pipeline (Redis,
 * a send) gets an apology.
 */
export async function receive<Target>(engine: Engine, port: ChannelPort<Target>, received: Received<Target>): Promise<PipelineOutcome | null> {
  const { msg, target } = received;
  // One request id for the message's every log line, the channel's and the pipeline's.
  const reqId = received.reqId ?? newRequestId();
  const ctx = { ...received.logContext, reqId, chatId: msg.chatId, messageId: msg.messageId };
  try {
    let skippedBig = false;
    if (received.files && !msg.fromSelf && engine.pipeline.isAddressed(msg)) {
      try {
        for (const file of await received.files()) {
          if (file === 'too-big') skippedBig = true;
          else msg.attachments.push(file);
        }
      } catch (err) {
        port.log.warn({ ...ctx, err: errorText(port, err) }, 'attachment download failed');
      }
    }
    cleanInboundNames(msg);
    const outcome = await engine.pipeline.handle(msg, reqId);
    const replies = [...outcome.replies];
    if (skippedBig && (!outcome.dropped || outcome.dropped === 'empty')) replies.push({ text: port.fileTooBigText });
    if (outcome.dropped && outcome.dropped !== 'own') port.log.debug({ ...ctx, dropped: outcome.dropped }, 'message dropped');
    if (replies.length) {
      await port.send(target, replies, !outcome.dropped || outcome.dropped === 'duplicate' ? msg.messageId : undefined).catch((err: unknown) => {
        recordSend(port.platform, 'error');
        throw err;
      });
      recordSend(port.platform, 'ok');
      // Answers count against the chat's limits too: a notice to this chat right after waits its turn.
      void engine.outbox.pacer.note(port.platform, port.pacing, msg, Date.now(), replies.length).catch(() => undefined);
    }
    return outcome;
  } catch (err) {
    port.log.error({ ...ctx, err: errorText(port, err), stack: err instanceof Error ? (port.redact?.(err.stack ?? '') ?? err.stack) : undefined }, `${port.platform} message failed`);
    // The pipeline apologises for handler errors itself; this covers Redis or send failures.
    await port.send(target, [{ text: CORE_TEXT.apology }]).catch(() => undefined);
    return null;
  }
}

/** Sends the channel's share of the delivery ledger (notifications, reminders, broadcasts); stop it with the channel. */
export function startDelivery<Target>(engine: Engine, port: ChannelPort<Target>, opts: SenderOptions = {}): DeliverySender {
  const sender = new DeliverySender(
    engine.outbox,
    { platform: port.platform, pacing: port.pacing, concurrency: port.concurrency, ready: () => port.ready(), deliver: (to, reply) => port.deliver(to, reply), classify: (err) => port.classify(err) },
    engine.redisHandle.duplicate(),
    port.log,
    { leaseMs: engine.config.DELIVERY_LEASE_SECONDS * 1000, ...opts },
  );
  sender.start();
  return sender;
}

function errorText(port: Pick<ChannelPort<unknown>, 'redact'>, err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return port.redact?.(text) ?? text;
}
