/**
 * The web console's contract, free of any HTTP framework: a service contributes pages (its `console.ts`,
 * returned as `ServiceRuntime.console`), the console shell in src/channels/console/ mounts them under
 * /console/, signs people in, checks CSRF and the page's role, and wraps results in the layout.
 * A page handler gets an Actor (the console account, with its roles) and plain request data, calls the
 * service's operations (the same ones chat commands call) and returns HTML made with src/kit/html.ts.
 */
import type { Actor } from './actor.ts';
import type { Role } from './service.ts';
import { html, type Html } from '../kit/html.ts';

/** How a console account appears as an actor and in the audit log. */
export const CONSOLE_ACTOR_PREFIX = 'console:';
export type ConsoleActorKey = `console:${string}`;
export const consoleActorKey = (account: string): ConsoleActorKey => `${CONSOLE_ACTOR_PREFIX}${account}`;

export interface ConsoleRequest {
  actor: Actor;
  /** The signed-in account's name. */
  account: string;
  /** Chat identities (`platform:userId`) linked to the account: where to tell its holder things in chat. */
  identities: string[];
  /** Path parameters (`/claims/:no` → { no }), already URL-decoded. */
  params: Record<string, string>;
  query: Record<string, string>;
  /** The form body of a POST (CSRF already checked); a field sent several times (checkboxes) is an array. */
  form: Record<string, string | string[]>;
  /** The session's CSRF token, for forms a page renders (see `csrfField`). */
  csrfToken: string;
  /** Asked by htmx for a part of the page: a `fragment` result is swapped in. */
  partial: boolean;
  now: Date;
}

export type ConsoleResult =
  | { kind: 'page'; title: string; body: Html; status?: number }
  /** A piece of a page for htmx; a plain browser request gets it wrapped in the layout under `title`. */
  | { kind: 'fragment'; title: string; body: Html; status?: number }
  | { kind: 'redirect'; to: string }
  /** Bytes produced for this viewer (a decrypted document, a CSV); sent `no-store`, never kept. */
  | { kind: 'file'; name: string; mimeType: string; data: Buffer; inline: boolean }
  | { kind: 'not-found' };

export interface ConsolePage {
  method: 'GET' | 'POST';
  /** Under /console, with `:name` parameters: '/claims/:no'. */
  path: string;
  /** Who may open it (admins hold staff powers too); others are refused and the attempt audited. */
  role: Role;
  handle(req: ConsoleRequest): Promise<ConsoleResult>;
}

export interface ConsoleNavItem {
  path: string;
  label: string;
  role: Role;
  /** Position in the menu (lower first). */
  order: number;
  /** A number shown beside the label (e.g. claims waiting), 0 hides it. */
  badge?(actor: Actor): Promise<number>;
}

/** One box on the overview page (概览). */
export interface ConsoleOverviewCard {
  title: string;
  count: number;
  href: string;
  /** A few lines under the count (already escaped markup). */
  lines: Html[];
  order: number;
}

/** What one service adds to the console. */
export interface ConsoleSection {
  nav: ConsoleNavItem[];
  pages: ConsolePage[];
  /** Its box on the overview, for this actor (null: nothing to show them). */
  overview?(actor: Actor): Promise<ConsoleOverviewCard | null>;
}

/** The hidden CSRF field every console form carries. */
export const CSRF_FIELD = '_csrf';
export const csrfField = (req: Pick<ConsoleRequest, 'csrfToken'>): Html => html`<input type="hidden" name="${CSRF_FIELD}" value="${req.csrfToken}">`;

/** One value of a form field ('' when absent; the first when sent several times). */
export function formValue(req: Pick<ConsoleRequest, 'form'>, name: string): string {
  const v = req.form[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

/** Every value of a form field sent several times (checkboxes). */
export function formValues(req: Pick<ConsoleRequest, 'form'>, name: string): string[] {
  const v = req.form[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
