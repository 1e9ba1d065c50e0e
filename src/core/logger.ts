/** pino logger that masks ID numbers, bank cards and mobile numbers wherever they appear in a log line. */
import pino, { type Logger } from 'pino';

const ID_NUMBER = /\b(\d{6})\d{8}(\d{3}[\dXx])\b/g;
const BANK_CARD = /\b(\d{4})\d{8,11}(\d{4})\b/g;
const MOBILE = /\b(1[3-9]\d)\d{4}(\d{4})\b/g;

/** Masks personal numbers in free text (used for logs, group messages and list views). */
export function maskPersonalNumbers(text: string): string {
  return text.replace(ID_NUMBER, '$1********$2').replace(BANK_CARD, '$1********$2').replace(MOBILE, '$1****$2');
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      hooks: {
        // Mask every string argument, including the serialized merge object.
        logMethod(args, method) {
          const masked = args.map((a) => (typeof a === 'string' ? maskPersonalNumbers(a) : a));
          return method.apply(this, masked as Parameters<typeof method>);
        },
      },
      formatters: {
        log(obj) {
          return JSON.parse(maskPersonalNumbers(JSON.stringify(obj))) as Record<string, unknown>;
        },
      },
    },
    destination,
  );
}
