/**
 * Small building blocks for console pages (src/core/console.ts), shared by the services' console.ts files so
 * pages look alike and every form field has a label. Text comes from the caller's texts.ts.
 */
import { html, type Html, type HtmlPart } from './html.ts';

let fieldSeq = 0;

export interface FieldOptions {
  label: string;
  name: string;
  type?: 'text' | 'number' | 'date' | 'datetime-local' | 'password' | 'search' | 'textarea' | 'select' | 'checkbox';
  value?: string;
  required?: boolean;
  placeholder?: string;
  hint?: string;
  /** For select: [value, label] pairs. */
  options?: readonly (readonly [string, string])[];
  autocomplete?: string;
  inputmode?: 'numeric' | 'decimal' | 'text';
  checked?: boolean;
  /** The label is read out by screen readers but not shown (a checkbox in a table row that names the person). */
  hideLabel?: boolean;
  /** The field's id (default: a generated one); the label points at it. */
  id?: string;
}

/** A labelled form field. */
export function field(o: FieldOptions): Html {
  const id = o.id ?? `f-${o.name}-${++fieldSeq}`;
  const common = html`id="${id}" name="${o.name}"${o.required ? html` required` : ''}`;
  let control: Html;
  switch (o.type) {
    case 'textarea':
      control = html`<textarea ${common} rows="4"${o.placeholder ? html` placeholder="${o.placeholder}"` : ''}>${o.value ?? ''}</textarea>`;
      break;
    case 'select':
      control = html`<select ${common}>${(o.options ?? []).map(([v, l]) => html`<option value="${v}"${v === (o.value ?? '') ? html` selected` : ''}>${l}</option>`)}</select>`;
      break;
    case 'checkbox':
      return html`<label class="check" for="${id}"><input type="checkbox" ${common} value="${o.value ?? '1'}"${o.checked ? html` checked` : ''}> <span${o.hideLabel ? html` class="sr-only"` : ''}>${o.label}</span></label>`;
    default:
      control = html`<input type="${o.type ?? 'text'}" ${common} value="${o.value ?? ''}"${o.placeholder ? html` placeholder="${o.placeholder}"` : ''}${o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''}${o.inputmode ? html` inputmode="${o.inputmode}"` : ''}>`;
  }
  return html`<div class="field"><label for="${id}">${o.label}</label>${control}${o.hint ? html`<small>${o.hint}</small>` : ''}</div>`;
}

export function table(headers: readonly string[], rows: readonly (readonly HtmlPart[])[], empty: string): Html {
  if (!rows.length) return html`<p class="empty">${empty}</p>`;
  return html`<div class="table-wrap"><table><thead><tr>${headers.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows.map((r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody></table></div>`;
}

/** Label/value pairs. */
export function facts(pairs: readonly (readonly [string, HtmlPart])[]): Html {
  return html`<dl class="facts">${pairs.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

export function notice(kind: 'ok' | 'warn' | 'error' | 'info', body: HtmlPart): Html {
  return html`<div class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${body}</div>`;
}

export function section(title: string, body: HtmlPart, id?: string): Html {
  return html`<section class="card"${id ? html` id="${id}"` : ''}><h2>${title}</h2>${body}</section>`;
}

/** Links to the previous and next page of a list, keeping the other query parameters. */
export function pager(base: string, query: Record<string, string>, page: number, pages: number, words: { prev: string; next: string; of: (p: number, n: number) => string }): Html {
  if (pages <= 1) return html``;
  const at = (p: number) => `${base}?${new URLSearchParams({ ...query, page: String(p) }).toString()}`;
  return html`<nav class="pager">${page > 1 ? html`<a href="${at(page - 1)}">${words.prev}</a>` : ''}<span>${words.of(page, pages)}</span>${page < pages ? html`<a href="${at(page + 1)}">${words.next}</a>` : ''}</nav>`;
}

/** Yuan with two decimals from cents. */
export const yuan = (cents: number): string => (cents / 100).toFixed(2);

/** How many pages `total` items fill, `perPage` a page (at least one, for an empty list). */
export const pagesOf = (total: number, perPage: number): number => Math.max(1, Math.ceil(total / perPage));

/** A page number from the query ('1' when absent or bad). */
export function pageOf(query: Record<string, string>): number {
  const n = Number(query['page']);
  return Number.isInteger(n) && n > 0 && n <= MAX_PAGE ? n : 1;
}
/** Beyond any list's last page; a bigger number ("1e19") would reach Redis as an offset it refuses. */
const MAX_PAGE = 1_000_000;
