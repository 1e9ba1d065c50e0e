/**
 * HTML for the web console, built with one escaping tagged template. Every interpolated value is escaped
 * unless it is already `Html` (made by this template or `raw`), so a member's name or a ticket's text can
 * never become markup. Chosen over a template engine because console pages are contributed by service
 * folders, which may not import the HTTP framework's view plugin: a tagged template is plain TypeScript,
 * type-checked with the page's data, needs no template files to locate and no build step.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(String(part));
}

/** html`<p>${text}</p>`: values escaped, nested html`` and arrays of it kept; null, undefined and false render nothing. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** Markup this program wrote itself (never text from a person). */
export const raw = (s: string): Html => new Html(s);

export type { Part as HtmlPart };
