/** CSV that Excel opens correctly with Chinese: UTF-8 with BOM, CRLF, every field quoted, formula-injection safe. */

const FORMULA_START = /^[=+\-@\t\r]/;

/** One field: a leading = + - @ (or tab/CR) gets a ' so Excel does not evaluate it; quotes are doubled. */
export function csvField(value: string | number | null | undefined): string {
  let s = value === null || value === undefined ? '' : String(value);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

/** The whole file as bytes. */
export function toCsv(rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): Buffer {
  const body = rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body, 'utf8')]);
}
