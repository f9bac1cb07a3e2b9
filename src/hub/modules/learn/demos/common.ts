/** What every demo page shares: the list, the page frame, status lines, client messages. */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../../../html.ts';
import type { Message } from '../../../i18n/index.ts';
import type { ModuleContext } from '../../types.ts';

export const DEMOS = [
  { id: 'hashing', script: 'demo-hashing.js', steps: 4 },
  { id: 'block', script: 'demo-block.js', steps: 5 },
  { id: 'chain', script: 'demo-chain.js', steps: 5 },
  { id: 'consensus', script: 'demo-consensus.js', steps: 5 },
  { id: 'register', script: 'demo-register.js', steps: 5 },
] as const;
export type DemoId = (typeof DEMOS)[number]['id'];

export const DEMOS_PATH = '/learn/demos';
export const demoPath = (id: DemoId): string => `${DEMOS_PATH}/${id}`;

/** SHA-256 on the server (node:crypto), for the pages that work without JavaScript. */
export const serverSha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export type StateKind = 'ok' | 'bad' | 'warn' | 'busy' | 'idle';

const ICONS: Record<StateKind, string> = { ok: '✓', bad: '✗', warn: '⚠', busy: '…', idle: '○' };

/** State as an icon plus text (never colour alone); the icon is decoration for screen readers. */
export function stateLine(kind: StateKind, text: SafeHtml | string, attrs: { id?: string; tag?: 'p' | 'span' } = {}): SafeHtml {
  const inner = html`<span class="state-icon" aria-hidden="true">${ICONS[kind]}</span> <span class="state-text">${text}</span>`;
  return attrs.tag === 'span'
    ? html`<span class="state state-${kind}"${attrs.id === undefined ? '' : html` id="${attrs.id}"`} data-state="${kind}">${inner}</span>`
    : html`<p class="state state-${kind}"${attrs.id === undefined ? '' : html` id="${attrs.id}"`} data-state="${kind}">${inner}</p>`;
}

/** The live region every demo announces through; scripts change its text, screen readers read it. */
export function statusRegion(kind: StateKind, text: SafeHtml | string): SafeHtml {
  return html`<div id="demo-status" class="demo-status" role="status" aria-live="polite" aria-atomic="true">${stateLine(kind, text)}</div>`;
}

export const ICON_TEXT = ICONS;

/**
 * Raw catalogue messages for a page script (English where the locale lacks one), put in a
 * data attribute: the script formats them with the same {placeholders} and plural rules.
 */
export function clientMessages(ctx: ModuleContext, locale: Parameters<ModuleContext['i18n']['message']>[0], keys: readonly string[]): string {
  const out: Record<string, Message> = {};
  for (const key of keys) {
    const message = ctx.i18n.message(locale, key) ?? ctx.i18n.message('en', key);
    if (message === undefined) throw new Error(`no message ${key}`);
    out[key.replace(/^learn\.demos\./, '')] = message;
  }
  return JSON.stringify(out);
}

export function leadingZeros(difficulty: number): string {
  return '0'.repeat(difficulty);
}

export interface DemoPageSpec {
  id: DemoId;
  body: SafeHtml;
  status?: number;
  /** Extra crumbs after the demo's own (the registration status page). */
  crumbTitle?: string;
  title?: string;
}

/** The frame of a demo page: breadcrumbs, lead, the demo, the step-by-step explanation, neighbours. */
export function sendDemoPage(ctx: ModuleContext, request: FastifyRequest, reply: FastifyReply, spec: DemoPageSpec): FastifyReply {
  const { t, href } = ctx.view(request);
  const index = DEMOS.findIndex((d) => d.id === spec.id);
  const demo = DEMOS[index]!;
  const previous = DEMOS[index - 1];
  const next = DEMOS[index + 1];
  const title = t.text(`learn.demos.${spec.id}.title`);
  const steps = Array.from({ length: demo.steps }, (_, i) => html`<li>${t(`learn.demos.${spec.id}.step${i + 1}`)}</li>`);
  const crumbs =
    spec.crumbTitle === undefined
      ? [{ label: title }]
      : [{ label: title, path: demoPath(spec.id) }, { label: spec.crumbTitle }];
  return ctx.page(request, reply, {
    title: spec.title ?? title,
    description: t.text(`learn.demos.${spec.id}.summary`),
    status: spec.status,
    breadcrumbs: [{ label: t.text('learn.home.title'), path: '/learn' }, { label: t.text('learn.demos.title'), path: DEMOS_PATH }, ...crumbs],
    styles: ['demos.css'],
    scripts: [demo.script],
    body: html`${spec.body}
<noscript><p class="notice">${t('learn.demos.noscript')}</p></noscript>
<section class="demo-steps" aria-labelledby="demo-steps-title">
<h2 id="demo-steps-title">${t('learn.demos.steps')}</h2>
<ol>${steps}</ol>
</section>
<nav class="demo-pager" aria-label="${t.text('learn.demos.nav')}"><ul>
${previous === undefined ? '' : html`<li><a href="${href(demoPath(previous.id))}" rel="prev">${t('learn.demos.previous', { title: t.text(`learn.demos.${previous.id}.title`) })}</a></li>`}
<li><a href="${href(DEMOS_PATH)}">${t('learn.demos.title')}</a></li>
${next === undefined ? '' : html`<li><a href="${href(demoPath(next.id))}" rel="next">${t('learn.demos.next', { title: t.text(`learn.demos.${next.id}.title`) })}</a></li>`}
</ul></nav>`,
  });
}
