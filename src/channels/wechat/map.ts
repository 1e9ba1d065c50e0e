/** Pure helpers of the WeChat adapter (no wechaty imports): quote parsing, text clean-up. */

/**
 * WeChat sends a quoted reply as text: 「name：quoted text」, a dashed separator line, then the reply.
 * Returns the quoted author and the reply, or null when the text is not a quote.
 */
export function parseQuote(text: string): { quotedName: string; reply: string } | null {
  const m = /^「([^：:」\n]{1,64})[：:][\s\S]*」\n(?:- ){5,}-?\n([\s\S]*)$/.exec(text);
  if (!m) return null;
  return { quotedName: (m[1] ?? '').trim(), reply: (m[2] ?? '').trim() };
}

/** Removes "@name" (followed by WeChat's U+2005 or a space) for each of the given names. */
export function stripMentions(text: string, names: string[]): string {
  let out = text;
  for (const name of names.filter(Boolean)) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`@${escaped}(?:[\\u2005 ]|$)`, 'g'), ' ');
  }
  return out.replace(/\u2005/g, ' ').replace(/ {2,}/g, ' ').trim();
}
