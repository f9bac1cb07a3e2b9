/** Explainer pages: index and articles rendered from Markdown with inline diagrams. */
import type { FastifyInstance } from 'fastify';
import { html, type SafeHtml } from '../../html.ts';
import { langAttrs, type Translator } from '../../i18n/index.ts';
import type { ModuleContext } from '../types.ts';
import { diagramKind, explainerKind, type Explainer } from './content.ts';
import { renderMarkdown, type RenderedMarkdown } from './markdown.ts';
import { englishText, reviewed, sourcesList } from './shared.ts';

const ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SOURCE_ANCHOR = 'source-';

function meta(t: Translator, e: Explainer): SafeHtml {
  return html`<dl class="facts meta">
<dt>${t('learn.explainers.level')}</dt><dd>${t(`learn.level.${e.level}`)}</dd>
<dt>${t('learn.explainers.audience')}</dt><dd>${e.audience.map((a, i) => html`${i > 0 ? ', ' : ''}${t(`learn.audience.${a}`)}`)}</dd>
<dt>${t('learn.explainers.topics')}</dt><dd>${e.topics.map((x, i) => html`${i > 0 ? ', ' : ''}${t(`learn.topic.${x}`)}`)}</dd>
</dl>`;
}

export function explainerRoutes(app: FastifyInstance, ctx: ModuleContext): void {
  // Markdown is rendered once per explainer document: a published web edit is a new document
  // (content/revisions.ts), so it is rendered afresh and the old rendering can be collected.
  const rendered = new WeakMap<Explainer, Map<string, RenderedMarkdown>>();
  const render = (e: Explainer, t: Translator): RenderedMarkdown => {
    let byLocale = rendered.get(e);
    if (byLocale === undefined) rendered.set(e, (byLocale = new Map()));
    let out = byLocale.get(t.locale);
    if (out === undefined) {
      out = renderMarkdown(e.body, {
        diagram: (id) => ctx.content.get(diagramKind, id),
        diagramDescriptionLabel: t.text('learn.explainers.diagramDescription'),
        sourceAnchor: SOURCE_ANCHOR,
        reservedIds: ['main', 'site-search-q', 'toc-title', 'sources-title'],
      });
      byLocale.set(t.locale, out);
    }
    return out;
  };

  app.get('/learn/explainers', async (request, reply) => {
    const { t, href } = ctx.view(request);
    const explainers = [...ctx.content.items(explainerKind)].sort((a, b) => t.compare(a.title, b.title));
    const items = explainers.map(
      (e) => html`<li>
<h2><a href="${href(`/learn/explainers/${e.id}`)}">${englishText(t, e.title)}</a></h2>
<p>${englishText(t, e.summary)}</p>
<p class="meta">${t(`learn.level.${e.level}`)} · ${t('learn.explainers.minutes', { count: e.readingMinutes })}</p>
</li>`,
    );
    return ctx.page(request, reply, {
      title: t.text('learn.explainers.title'),
      description: t.text('learn.explainers.description'),
      breadcrumbs: [{ label: t.text('learn.home.title'), path: '/learn' }, { label: t.text('learn.explainers.title') }],
      body: html`<p class="lead">${t('learn.explainers.description')}</p>
<p>${t('learn.explainers.count', { count: explainers.length })}</p>
<ul class="items">${items}</ul>`,
    });
  });

  app.get<{ Params: { id: string } }>('/learn/explainers/:id', async (request, reply) => {
    const { id } = request.params;
    const e = ID.test(id) ? ctx.content.get(explainerKind, id) : undefined;
    if (e === undefined) return ctx.notFound(request, reply);
    const { t } = ctx.view(request);
    const english = t.locale !== 'en';
    const en = langAttrs('en', t.locale);
    const { html: body, headings } = render(e, t);
    const toc =
      headings.length < 3
        ? ''
        : html`<nav class="toc" aria-labelledby="toc-title"><h2 id="toc-title">${t('learn.explainers.contents')}</h2>
<ol${en}>${headings.map((h) => html`<li><a href="#${h.id}">${h.html}</a></li>`)}</ol></nav>`;

    return ctx.page(request, reply, {
      title: e.title,
      heading: englishText(t, e.title),
      description: e.summary,
      breadcrumbs: [
        { label: t.text('learn.home.title'), path: '/learn' },
        { label: t.text('learn.explainers.title'), path: '/learn/explainers' },
        { label: html`<span${en}>${e.title}</span>` },
      ],
      body: html`${english ? html`<p class="notice">${t('learn.explainers.englishOnly')}</p>` : ''}
<p class="lead"${en}>${e.summary}</p>
${meta(t, e)}
<p class="meta">${t('learn.explainers.minutes', { count: e.readingMinutes })}</p>
${toc}
<article${en}>
${body}
</article>
<section aria-labelledby="sources-title">
<h2 id="sources-title">${t('learn.explainers.sources')}</h2>
<div${en}>${sourcesList(e.sources, SOURCE_ANCHOR)}</div>
</section>
${reviewed(t, 'learn.explainers.reviewed', e.reviewed)}
${ctx.contentLinks(request, explainerKind, e.id)}`,
    });
  });
}
