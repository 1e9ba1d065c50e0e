/** pino logger that masks ID numbers, bank cards and mobile numbers wherever they appear in a log line. */
import pino, { type Logger } from 'pino';
import { maskPersonalNumbers } from './text.ts';

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
