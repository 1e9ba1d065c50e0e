/** Test data for the claims tests and the e2e claim transcripts: valid ID and card numbers, document files, who is who. */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InboundAttachment } from '../../../src/core/message.ts';
import { idCheckChar } from '../../../src/kit/fields.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function validId(prefix17 = '11010519900307123'): string {
  return prefix17 + idCheckChar(prefix17);
}

/** An ID whose check character is X, for the 110***********123X style. */
export function idEndingInX(): string {
  for (let n = 0; n < 1000; n++) {
    const p = `1101051990030${String(n).padStart(3, '0')}1`.slice(0, 17);
    if (idCheckChar(p) === 'X') return p + 'X';
  }
  throw new Error('no X id found');
}

export function luhnCard(prefix: string): string {
  for (let d = 0; d <= 9; d++) {
    const c = prefix + d;
    let sum = 0;
    let dbl = false;
    for (let i = c.length - 1; i >= 0; i--) {
      let n = Number(c[i]);
      if (dbl) n = n * 2 > 9 ? n * 2 - 9 : n * 2;
      sum += n;
      dbl = !dbl;
    }
    if (sum % 10 === 0) return c;
  }
  throw new Error('unreachable');
}

export const jpg = (name = 'photo.jpg'): InboundAttachment => ({
  name,
  mimeType: 'image/jpeg',
  data: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(64)]),
});
export const png = (name = 'scan.png'): InboundAttachment => ({
  name,
  mimeType: 'image/png',
  data: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(64)]),
});
export const pdf = (name = 'report.pdf'): InboundAttachment => ({
  name,
  mimeType: 'application/pdf',
  data: Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(64)]),
});

/** The claims tests' day: 2026-11-22 10:00 in China. */
export const CLAIMS_NOW = new Date('2026-11-22T02:00:00Z');
export const ADMIN = 'admin1';
export const STAFF = 'staff1';

const CLAIM_NO = /HZ-\d{8}-\d{4}/;
/** The claim number in a reply, or a failed test. */
export function claimNoIn(text: string): string {
  const no = CLAIM_NO.exec(text)?.[0];
  if (!no) throw new Error(`no claim number in: ${text}`);
  return no;
}
