/**
 * XML of the WeChat callbacks (fast-xml-parser): parsed into flat string fields, every value a string
 * (MsgId is a 64-bit number: never let it become a float). Replies are written by hand, in CDATA.
 */
import { XMLParser } from 'fast-xml-parser';

/** Callback bodies are small; anything bigger is refused before parsing. */
export const MAX_CALLBACK_BYTES = 64 * 1024;

const parser = new XMLParser({
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreAttributes: true,
  processEntities: false,
  trimValues: true,
});

export class XmlError extends Error {}

/** The children of the root `<xml>` element as strings (nested elements as objects, for zod to check). */
export function parseXml(text: string): Record<string, unknown> {
  if (text.length > MAX_CALLBACK_BYTES) throw new XmlError('body too large');
  let doc: unknown;
  try {
    doc = parser.parse(text, true);
  } catch (err) {
    throw new XmlError(`not XML: ${err instanceof Error ? err.message : String(err)}`);
  }
  const root = typeof doc === 'object' && doc !== null && 'xml' in doc ? (doc as { xml: unknown }).xml : undefined;
  if (typeof root !== 'object' || root === null || Array.isArray(root)) throw new XmlError('no <xml> root');
  return root as Record<string, unknown>;
}

const cdata = (value: string) => `<![CDATA[${value.split(']]>').join(']]]]><![CDATA[>')}]]>`;

/** `<xml>` with the fields in order: strings in CDATA, numbers bare. */
export function buildXml(fields: Record<string, string | number>): string {
  const body = Object.entries(fields)
    .map(([k, v]) => `<${k}>${typeof v === 'number' ? String(v) : cdata(v)}</${k}>`)
    .join('');
  return `<xml>${body}</xml>`;
}
