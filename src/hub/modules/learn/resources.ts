/** The resource list with filters (type, level, language, topic) and JSON/CSV export. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { toCsv } from '../../csv.ts';
import { html, type SafeHtml } from '../../html.ts';
import { langAttrs, type Translator } from '../../i18n/index.ts';
import type { ModuleContext } from '../types.ts';
import { ISO_639_1, LEVELS, RESOURCE_TYPES, TOPICS, resourceKind, type Resource } from './content.ts';
import { attachment, englishText, languageName } from './shared.ts';

/** An empty select ("Any") sends `type=`; treat it as no filter. */
function emptyToUndefined(query: unknown): unknown {
  if (typeof query !== 'object' || query === null) return query;
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== ''));
}

const FilterFields = z.object({
  type: z.enum(RESOURCE_TYPES).optional(),
  level: z.enum(LEVELS).optional(),
  language: z.string().refine((c) => ISO_639_1.has(c)).optional(),
  topic: z.enum(TOPICS).optional(),
});
const Filters = z.preprocess(emptyToUndefined, FilterFields);
const ListQuery = z.preprocess(emptyToUndefined, FilterFields.extend({ page: z.coerce.number().int().min(1).max(100).optional() }));
type FilterValues = z.infer<typeof FilterFields>;

const PAGE_SIZE = 25;

function matches(r: Resource, f: FilterValues): boolean {
  return (
    (f.type === undefined || r.type === f.type) &&
    (f.level === undefined || r.level === f.level) &&
    (f.language === undefined || r.language.includes(f.language)) &&
    (f.topic === undefined || (r.topics as readonly string[]).includes(f.topic))
  );
}

function select(id: string, name: string, label: SafeHtml, any: SafeHtml, options: { value: string; label: SafeHtml | string }[], current: string | undefined): SafeHtml {
  return html`<div class="field"><label for="${id}">${label}</label>
<select id="${id}" name="${name}">
<option value="">${any}</option>
${options.map((o) => (o.value === current ? html`<option value="${o.value}" selected>${o.label}</option>` : html`<option value="${o.value}">${o.label}</option>`))}
</select></div>`;
}

function resourceItem(t: Translator, r: Resource, links: SafeHtml): SafeHtml {
  const titleLang = r.language.length === 1 ? r.language[0] : undefined;
  const languages = r.language.map((code) => languageName(t, code)).sort((a, b) => t.compare(a, b));
  return html`<li>
<h2><a href="${r.url}"${titleLang === undefined ? '' : langAttrs(titleLang, t.locale)}>${r.title}</a></h2>
<p class="meta">${t(`learn.type.${r.type}`)} · ${t(`learn.level.${r.level}`)} · ${t('learn.resources.publishedBy', { publisher: r.publisher, year: String(r.year) })}</p>
<p>${englishText(t, r.summary)}</p>
<p class="meta">${t('learn.resources.availableIn')}: ${languages.join(', ')}</p>
<ul class="tags">${r.topics.map((topic) => html`<li>${t(`learn.topic.${topic}`)}</li>`)}</ul>
${links}
</li>`;
}

export function resourceRoutes(app: FastifyInstance, ctx: ModuleContext): void {
  const all = (): readonly Resource[] => ctx.content.items(resourceKind);

  app.get('/learn/resources', async (request, reply) => {
    const query = ctx.query(ListQuery, request, reply);
    if (query === undefined) return reply;
    const { t, href } = ctx.view(request);
    const { page: pageNo = 1, ...filters } = query;
    const found = all()
      .filter((r) => matches(r, filters))
      .sort((a, b) => b.year - a.year || t.compare(a.title, b.title));
    const pages = Math.max(1, Math.ceil(found.length / PAGE_SIZE));
    if (pageNo > pages) return ctx.notFound(request, reply);
    const shown = found.slice((pageNo - 1) * PAGE_SIZE, pageNo * PAGE_SIZE);

    const languages = [...new Set(all().flatMap((r) => r.language))]
      .map((code) => ({ value: code, label: languageName(t, code) }))
      .sort((a, b) => t.compare(a.label, b.label));
    const any = t('core.filters.any');
    const form = html`<form class="filters" method="get" action="${href('/learn/resources')}">
${select('filter-type', 'type', t('learn.resources.type'), any, RESOURCE_TYPES.map((v) => ({ value: v, label: t(`learn.type.${v}`) })), filters.type)}
${select('filter-level', 'level', t('learn.resources.level'), any, LEVELS.map((v) => ({ value: v, label: t(`learn.level.${v}`) })), filters.level)}
${select('filter-language', 'language', t('learn.resources.language'), any, languages, filters.language)}
${select('filter-topic', 'topic', t('learn.resources.topic'), any, TOPICS.map((v) => ({ value: v, label: t(`learn.topic.${v}`) })), filters.topic)}
<div class="actions"><button type="submit">${t('core.filters.apply')}</button>
<a href="${href('/learn/resources')}">${t('core.filters.clear')}</a></div>
</form>`;

    const pagination =
      pages <= 1
        ? ''
        : html`<nav class="pagination" aria-label="${t.text('core.pagination.label')}"><ul>
${pageNo > 1 ? html`<li><a href="${href('/learn/resources', { ...filters, page: pageNo - 1 })}" rel="prev">${t('core.pagination.previous')}</a></li>` : ''}
<li>${t('core.pagination.status', { page: pageNo, pages })}</li>
${pageNo < pages ? html`<li><a href="${href('/learn/resources', { ...filters, page: pageNo + 1 })}" rel="next">${t('core.pagination.next')}</a></li>` : ''}
</ul></nav>`;

    return ctx.page(request, reply, {
      title: pageNo === 1 ? t.text('learn.resources.title') : `${t.text('learn.resources.title')} (${t.text('core.pagination.status', { page: pageNo, pages })})`,
      description: t.text('learn.resources.description'),
      breadcrumbs: [{ label: t.text('learn.home.title'), path: '/learn' }, { label: t.text('learn.resources.title') }],
      body: html`<p class="lead">${t('learn.resources.description')}</p>
${form}
<p role="status">${t('learn.resources.count', { count: found.length })}</p>
${found.length === 0 ? html`<p>${t('learn.resources.none')}</p>` : html`<ul class="items">${shown.map((r) => resourceItem(t, r, ctx.contentLinks(request, resourceKind, r.id)))}</ul>`}
${pagination}
<h2>${t('learn.resources.download')}</h2>
<p>${t('learn.resources.downloadNote')}</p>
<ul class="downloads">
<li><a href="${href('/learn/resources.json', filters)}" download>${t('core.download.json')}</a></li>
<li><a href="${href('/learn/resources.csv', filters)}" download>${t('core.download.csv')}</a></li>
</ul>`,
    });
  });

  app.get('/learn/resources.json', async (request, reply) => {
    const filters = ctx.query(Filters, request, reply);
    if (filters === undefined) return reply;
    const items = all().filter((r) => matches(r, filters));
    return reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', attachment('dcbt-resources.json'))
      .send(JSON.stringify({ kind: 'resources', filters, count: items.length, items }, null, 2));
  });

  app.get('/learn/resources.csv', async (request, reply) => {
    const filters = ctx.query(Filters, request, reply);
    if (filters === undefined) return reply;
    const items = all().filter((r) => matches(r, filters));
    const header = ['id', 'title', 'type', 'level', 'language', 'publisher', 'year', 'url', 'topics', 'summary', 'reviewed'];
    const rows = items.map((r) => [r.id, r.title, r.type, r.level, r.language.join('; '), r.publisher, r.year, r.url, r.topics.join('; '), r.summary, r.reviewed]);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', attachment('dcbt-resources.csv'))
      .send(toCsv(header, rows));
  });
}
