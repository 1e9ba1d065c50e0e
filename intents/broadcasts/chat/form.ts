/**
 * The /broadcast compose form on the shared form engine: audience (all groups by name, chosen groups, an
 * event's registrants, subscribers, staff), content, an optional image or file, when; then the preview as
 * members will see it and 确认. The one-line `/broadcast 全部群 <text>` fills the form and lands on the preview.
 */
import { z } from 'zod';
import { actorOf } from '../../../src/core/actor.ts';
import { addressSchema } from '../../../src/core/message.ts';
import type { CoreDeps, TurnContext, TurnResult } from '../../../src/core/service.ts';
import { Form } from '../../../src/kit/forms/engine.ts';
import { fieldTypes, parseCount } from '../../../src/kit/forms/types.ts';
import type { FieldSpec, FormView, Submitted } from '../../../src/kit/forms/spec.ts';
import { isDone, isNo } from '../../../src/kit/words.ts';
import { broadcastService, groupName, type Draft } from '../service.ts';
import type { Audience } from '../store.ts';
import { AUDIENCE_WORDS, FORM, PREVIEW, STAFF, WHEN_WORDS, scheduleText, type WhenWord } from '../texts.ts';

export const BROADCAST_FORM_VERSION = 1;
const MAX_TEXT = 1500;

const knownSchema = z.array(z.object({ name: z.string(), address: addressSchema })).catch([]);
const sourcesSchema = z.array(z.object({ kind: z.string(), title: z.string(), choices: z.array(z.object({ key: z.string(), label: z.string() })) })).catch([]);
const fileMetaSchema = z.object({ name: z.string(), mimeType: z.string() });

const openedOrNull = (open: () => Buffer): Buffer | null => {
  try {
    return open();
  } catch {
    return null;
  }
};

type AudienceKey = 'all-groups' | 'groups' | 'subscribers' | 'staff' | `source:${string}`;

/** The audience question's options, in order, with the value each stands for. */
function audienceOptions(f: FormView): { label: string; value: AudienceKey }[] {
  const known = knownSchema.parse(f.meta['known']);
  return [
    { label: AUDIENCE_WORDS.allGroups(known.length), value: 'all-groups' },
    { label: AUDIENCE_WORDS.groups, value: 'groups' },
    ...sourcesSchema.parse(f.meta['sources']).map((s) => ({ label: s.title, value: `source:${s.kind}` as const })),
    { label: AUDIENCE_WORDS.subscribers, value: 'subscribers' },
    { label: AUDIENCE_WORDS.staff, value: 'staff' },
  ];
}

const sourceOf = (f: FormView) => {
  const kind = f.str('audience')?.replace(/^source:/, '');
  return sourcesSchema.parse(f.meta['sources']).find((s) => s.kind === kind);
};

/** The answers as a Draft's audience. */
function audienceOf(f: FormView): Audience {
  const a = f.str('audience') as AudienceKey | undefined;
  if (a === 'groups') return { kind: 'groups', groups: knownSchema.parse(f.values['groups']) };
  if (a?.startsWith('source:')) {
    const pick = z.object({ key: z.string(), label: z.string() }).parse(f.values['source']);
    return { kind: 'source', source: a.slice('source:'.length), key: pick.key, label: pick.label };
  }
  if (a === 'subscribers' || a === 'staff') return { kind: a };
  return { kind: 'all-groups' };
}

function audienceLabel(f: FormView): string {
  const a = audienceOf(f);
  const known = knownSchema.parse(f.meta['known']);
  if (a.kind === 'all-groups') return AUDIENCE_WORDS.allGroups(known.length) + (known.length ? PREVIEW.groupNames(known.map((g) => g.name)) : '');
  if (a.kind === 'groups') return a.groups.map((g) => g.name).join('、');
  if (a.kind === 'source') return a.label;
  return a.kind === 'subscribers' ? AUDIENCE_WORDS.subscribers : AUDIENCE_WORDS.staff;
}

const FIELDS: FieldSpec[] = [
  {
    id: 'audience',
    label: FORM.audienceLabel,
    ask: (f) => ({ text: FORM.audience, choices: audienceOptions(f).map((o) => o.label) }),
    parse: (text, f) => {
      const options = audienceOptions(f);
      const n = parseCount(text);
      const t = text.trim();
      const hit = n !== null ? options[n - 1] : options.find((o) => o.label === t || o.label.startsWith(t) || (t.length >= 2 && o.label.includes(t)));
      if (!hit) return { ok: false, error: FORM.pickNumber(options.length) };
      return { ok: true, value: hit.value, clear: ['groups', 'source'] };
    },
    show: (f) => audienceLabel(f),
  },
  {
    id: 'groups',
    label: FORM.groupsLabel,
    when: (f) => f.str('audience') === 'groups',
    ask: (f) => {
      const known = knownSchema.parse(f.meta['known']);
      return { text: known.length ? FORM.groups(known.map((g) => g.name)) : `${FORM.groups([])}${FORM.noGroups}` };
    },
    parse: (text, f) => {
      const known = knownSchema.parse(f.meta['known']);
      const picked: z.infer<typeof knownSchema> = [];
      const bad: string[] = [];
      for (const part of text.split(/[,，、;；\s]+/).filter(Boolean)) {
        const n = parseCount(part);
        const g = n !== null ? known[n - 1] : known.find((k) => k.name === part);
        if (g) {
          if (!picked.includes(g)) picked.push(g);
        } else bad.push(part);
      }
      if (bad.length || !picked.length) return { ok: false, error: FORM.badGroups(bad.length ? bad : [text]) };
      return { ok: true, value: picked };
    },
    show: (f) => knownSchema.parse(f.values['groups']).map((g) => g.name).join('、'),
  },
  {
    id: 'source',
    label: FORM.eventLabel,
    when: (f) => (f.str('audience') ?? '').startsWith('source:'),
    ask: (f) => {
      const choices = sourceOf(f)?.choices ?? [];
      return choices.length ? { text: FORM.event, choices: choices.map((c) => c.label) } : { text: FORM.noEvents };
    },
    parse: (text, f) => {
      const choices = sourceOf(f)?.choices ?? [];
      const n = parseCount(text);
      const hit = n !== null ? choices[n - 1] : choices.find((c) => c.label === text.trim() || c.label.startsWith(text.trim()));
      return hit ? { ok: true, value: hit } : { ok: false, error: choices.length ? FORM.pickNumber(choices.length) : FORM.noEvents };
    },
    show: (f) => z.object({ label: z.string() }).catch({ label: '' }).parse(f.values['source']).label,
  },
  {
    ...fieldTypes.text({ id: 'text', label: FORM.textLabel, ask: FORM.text, error: () => FORM.badText, min: 1, max: MAX_TEXT, anyText: true }),
    // A notice may be all digits or read like a question ("周五开会吗？"): it is taken as typed.
    misfits: [],
    parse: (text) => {
      const t = text.trim();
      return t.length >= 1 && t.length <= MAX_TEXT ? { ok: true, value: t } : { ok: false, error: FORM.badText };
    },
  },
  {
    id: 'attachment',
    label: FORM.fileLabel,
    takesFiles: true,
    anyText: true,
    ask: () => ({ text: FORM.file }),
    parse: (text, f) => {
      const file = fileMetaSchema.safeParse(f.meta['file']);
      if (isNo(text) || /^(无|没有|不用|不需要|不要|跳过)[。!！]*$/.test(text.trim())) {
        delete f.meta['file'];
        return { ok: true, value: 'none' };
      }
      if (file.success && (isDone(text) || /^(好了|可以了|下一步|继续)[。!！]*$/.test(text.trim()))) return { ok: true, value: 'file' };
      return { ok: false, error: FORM.badFile };
    },
    show: (f) => (f.str('attachment') === 'file' ? fileMetaSchema.catch({ name: '', mimeType: '' }).parse(f.meta['file']).name : FORM.fileNone),
  },
  {
    id: 'when',
    label: FORM.whenLabel,
    ask: () => ({ text: FORM.when, choices: Object.values(WHEN_WORDS) }),
    parse: (text) => {
      const keys = Object.keys(WHEN_WORDS) as WhenWord[];
      const n = parseCount(text);
      const t = text.trim();
      const hit = n !== null ? keys[n - 1] : keys.find((k) => WHEN_WORDS[k] === t || WHEN_WORDS[k].startsWith(t) || (t.length >= 2 && WHEN_WORDS[k].includes(t)));
      return hit ? { ok: true, value: hit, clear: hit === 'now' ? ['at'] : [] } : { ok: false, error: FORM.pickNumber(keys.length) };
    },
    show: (f) => WHEN_WORDS[(f.str('when') as WhenWord | undefined) ?? 'now'],
  },
  fieldTypes.dateTime({
    id: 'at',
    label: FORM.atLabel,
    when: (f) => f.str('when') !== undefined && f.str('when') !== 'now',
    ask: (f) => ({ text: FORM.at((f.str('when') as WhenWord | undefined) ?? 'at') }),
    error: () => FORM.badAt,
    check: (ms, _f, ctx) => (ms <= ctx.now.getTime() ? FORM.badAt : null),
  }),
];

export function composeForm(deps: CoreDeps) {
  const svc = broadcastService(deps);

  const previewOf = (f: FormView, now: number): string => {
    const when = (f.str('when') as WhenWord | undefined) ?? 'now';
    const file = fileMetaSchema.safeParse(f.meta['file']);
    const audience = audienceOf(f);
    const known = knownSchema.parse(f.meta['known']);
    const count = audience.kind === 'all-groups' ? known.length : audience.kind === 'groups' ? audience.groups.length : null;
    return [
      PREVIEW.heading,
      PREVIEW.line,
      f.str('text') ?? '',
      PREVIEW.line,
      ...(f.str('attachment') === 'file' && file.success ? [PREVIEW.file(file.data.name)] : []),
      PREVIEW.audience(audienceLabel(f), count),
      PREVIEW.when(scheduleText(when, f.num('at'), now)),
      ...(svc.needsApproval(audience) ? [PREVIEW.needsApproval] : []),
    ].join('\n');
  };

  const form = new Form(
    {
      id: 'broadcast',
      version: BROADCAST_FORM_VERSION,
      intent: NOTICE_INTENT,
      fields: FIELDS,
      confirmCancel: true,
      confirm: { ask: (f, ctx) => ({ text: previewOf(f, ctx.now.getTime()), choices: PREVIEW.choices }), unclear: FORM.confirmAgain },
      async onFiles(f, ctx) {
        // One image or file per broadcast: the last one sent is kept (in Redis, sealed, not in the session).
        const file = ctx.msg.attachments[ctx.msg.attachments.length - 1];
        if (!file) return [];
        await deps.redis.set(svc.store.draftFileKey(ctx.member), deps.delivery.sealFile(file.data), 'EX', deps.config.FORM_RESUME_HOURS * 3600);
        f.meta['file'] = { name: file.name, mimeType: file.mimeType };
        return [{ text: `${FORM.fileReceived(file.name)}${ctx.msg.attachments.length > 1 ? `\n${FORM.fileTooMany}` : ''}\n${FORM.fileContinue}` }];
      },
      async submit(f, ctx): Promise<Submitted> {
        const meta = fileMetaSchema.safeParse(f.meta['file']);
        let file: Draft['file'];
        if (f.str('attachment') === 'file' && meta.success) {
          const stored = await deps.redis.getBuffer(svc.store.draftFileKey(ctx.member));
          const data = stored && openedOrNull(() => deps.delivery.openFile(stored));
          if (!data) return { done: false, replies: [{ text: FORM.badFile }], ask: 'attachment' };
          file = { ...meta.data, data };
        }
        const when = (f.str('when') as WhenWord | undefined) ?? 'now';
        const draft: Draft = { audience: audienceOf(f), text: f.str('text') ?? '', ...(file ? { file } : {}), schedule: { kind: when, ...(when !== 'now' ? { at: f.num('at') } : {}) } };
        const author = { name: ctx.msg.senderName, chat: { platform: ctx.msg.platform, chatId: ctx.msg.chatId, chatType: 'private' as const } };
        const r = await svc.compose(actorOf(ctx), author, draft);
        await deps.redis.del(svc.store.draftFileKey(ctx.member));
        if (r.outcome === 'no-audience') return { done: false, replies: [{ text: STAFF.refusedAudience }], ask: 'audience' };
        if (r.outcome === 'pending') return { done: true, replies: [{ text: STAFF.awaitingApproval(r.broadcast.id) }] };
        if (r.outcome === 'started') return { done: true, replies: [{ text: STAFF.startedNow(r.broadcast.id, r.total) }] };
        return { done: true, replies: [{ text: STAFF.created(r.broadcast.id, scheduleText(when, draft.schedule.at, ctx.now.getTime())) }] };
      },
      texts: { cancelled: FORM.quit, restarted: FORM.restarted },
    },
    { resumeHours: deps.config.FORM_RESUME_HOURS },
  );

  /** Opens the form; `values` fills answers known already (the one-line shortcut, a text typed after /broadcast). */
  async function start(ctx: TurnContext, values: Record<string, unknown> = {}): Promise<TurnResult> {
    const options = await svc.audienceOptions(actorOf(ctx));
    const known = options.groups.map((g) => ({ name: groupName(g), address: { platform: g.platform, chatId: g.chatId, chatType: 'group' as const } }));
    return form.start(ctx, { values, meta: { known, sources: options.sources } });
  }

  return { form, start };
}

export const NOTICE_INTENT = 'notice_subscription';
