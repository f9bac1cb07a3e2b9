/** Glossary pages: A–Z index with topic filter, one page per term, JSON and CSV downloads. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { toCsv } from '../../csv.ts';
import { html, type SafeHtml } from '../../html.ts';
import { langAttrs, LOCALES, pick, type Translator } from '../../i18n/index.ts';
import type { ModuleContext } from '../types.ts';
import { GLOSSARY_TOPICS, glossaryKind, type GlossaryTerm } from './content.ts';
import { attachment, localisedText, reviewed, sourcesList } from './shared.ts';

const IndexQuery = z.object({ topic: z.enum(GLOSSARY_TOPICS).optional() });
const ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** The key a term is sorted and grouped by: Arabic ignores the definite article "ال". */
function sortKey(text: string, locale: string): string {
  return locale === 'ar' ? text.replace(/^ال(?=\p{L}{2})/u, '') : text;
}

function letterOf(text: string, locale: string): string {
  const first = [...sortKey(text, locale).normalize('NFD').replace(/\p{M}/gu, '')][0] ?? '#';
  const upper = first.toLocaleUpperCase(locale);
  if (/[أإآ]/.test(upper)) return 'ا';
  return /[\p{L}]/u.test(upper) ? upper : '#';
}

export function sortedTerms(t: Translator, terms: readonly GlossaryTerm[]): GlossaryTerm[] {
  return [...terms].sort((a, b) =>
    t.compare(sortKey(pick(a.term, t.locale).text, t.locale), sortKey(pick(b.term, t.locale).text, t.locale)),
  );
}

function termLink(t: Translator, href: string, term: GlossaryTerm): SafeHtml {
  return html`<a href="${href}">${localisedText(t, term.term)}</a>`;
}

function downloads(t: Translator, base: string, topic: string | undefined): SafeHtml {
  const q = topic === undefined ? '' : `?topic=${encodeURIComponent(topic)}`;
  return html`<h2>${t('learn.glossary.download')}</h2>
<p>${t('learn.glossary.downloadNote')}</p>
<ul class="downloads">
<li><a href="${base}.json${q}" download>${t('core.download.json')}</a></li>
<li><a href="${base}.csv${q}" download>${t('core.download.csv')}</a></li>
</ul>`;
}

/** Terms that list this one as related, plus the ones it lists: links work both ways. */
export function relatedTerms(all: readonly GlossaryTerm[], term: GlossaryTerm): GlossaryTerm[] {
  const byId = new Map(all.map((x) => [x.id, x]));
  const ids = new Set(term.related.filter((id) => byId.has(id)));
  for (const other of all) if (other.id !== term.id && other.related.includes(term.id)) ids.add(other.id);
  ids.delete(term.id);
  return [...ids].map((id) => byId.get(id)).filter((x): x is GlossaryTerm => x !== undefined);
}

function exportRows(terms: readonly GlossaryTerm[]) {
  return terms.map((term) => ({
    id: term.id,
    term: term.term,
    definition: term.definition,
    technical: term.technical,
    aliases: term.aliases ?? [],
    topics: term.topics,
    related: term.related,
    sources: term.sources,
    reviewed: term.reviewed,
  }));
}

export function glossaryRoutes(app: FastifyInstance, ctx: ModuleContext): void {
  const all = (): readonly GlossaryTerm[] => ctx.content.items(glossaryKind);
  const filtered = (topic: string | undefined): GlossaryTerm[] =>
    all().filter((term) => topic === undefined || (term.topics as readonly string[]).includes(topic));

  app.get('/learn/glossary', async (request, reply) => {
    const query = ctx.query(IndexQuery, request, reply);
    if (query === undefined) return reply;
    const { t, href } = ctx.view(request);
    const terms = sortedTerms(t, filtered(query.topic));

    const groups: { letter: string; terms: GlossaryTerm[] }[] = [];
    for (const term of terms) {
      const letter = letterOf(pick(term.term, t.locale).text, t.locale);
      const last = groups.at(-1);
      if (last?.letter === letter) last.terms.push(term);
      else groups.push({ letter, terms: [term] });
    }

    const form = html`<form class="filters" method="get" action="${href('/learn/glossary')}">
<div class="field"><label for="glossary-topic">${t('learn.glossary.topic')}</label>
<select id="glossary-topic" name="topic">
<option value="">${t('learn.glossary.allTopics')}</option>
${GLOSSARY_TOPICS.map((topic) =>
  topic === query.topic
    ? html`<option value="${topic}" selected>${t(`learn.topic.${topic}`)}</option>`
    : html`<option value="${topic}">${t(`learn.topic.${topic}`)}</option>`,
)}
</select></div>
<div class="actions"><button type="submit">${t('learn.glossary.show')}</button>
${query.topic === undefined ? '' : html`<a href="${href('/learn/glossary')}">${t('core.filters.clear')}</a>`}</div>
</form>`;

    const letters = html`<nav aria-label="${t.text('learn.glossary.letters')}"><ul class="letters">${groups.map(
      (g, i) => html`<li><a href="#letter-${i + 1}">${g.letter}</a></li>`,
    )}</ul></nav>`;

    const list = groups.map(
      (g, i) => html`<h2 id="letter-${i + 1}">${g.letter}</h2>
<ul class="az-group">${g.terms.map((term) => html`<li>${termLink(t, href(`/learn/glossary/${term.id}`), term)}</li>`)}</ul>`,
    );

    return ctx.page(request, reply, {
      title: t.text('learn.glossary.title'),
      description: t.text('learn.glossary.description'),
      breadcrumbs: [{ label: t.text('learn.home.title'), path: '/learn' }, { label: t.text('learn.glossary.title') }],
      body: html`<p class="lead">${t('learn.glossary.description')}</p>
${form}
<p role="status">${t('learn.glossary.count', { count: terms.length })}${query.topic === undefined ? '' : html` — ${t(`learn.topic.${query.topic}`)}`}</p>
${terms.length === 0 ? html`<p>${t('learn.glossary.none')}</p>` : html`${letters}${list}`}
${downloads(t, href('/learn/glossary'), query.topic)}`,
    });
  });

  app.get('/learn/glossary.json', async (request, reply) => {
    const query = ctx.query(IndexQuery, request, reply);
    if (query === undefined) return reply;
    const terms = filtered(query.topic);
    return reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', attachment('dcbt-glossary.json'))
      .send(JSON.stringify({ kind: 'glossary', locales: LOCALES, count: terms.length, items: exportRows(terms) }, null, 2));
  });

  app.get('/learn/glossary.csv', async (request, reply) => {
    const query = ctx.query(IndexQuery, request, reply);
    if (query === undefined) return reply;
    const terms = filtered(query.topic);
    const header = [
      'id',
      ...LOCALES.map((l) => `term_${l}`),
      ...LOCALES.map((l) => `definition_${l}`),
      ...LOCALES.map((l) => `technical_${l}`),
      'aliases',
      'topics',
      'related',
      'sources',
      'reviewed',
    ];
    const rows = terms.map((term) => [
      term.id,
      ...LOCALES.map((l) => term.term[l]),
      ...LOCALES.map((l) => term.definition[l]),
      ...LOCALES.map((l) => term.technical[l]),
      (term.aliases ?? []).join('; '),
      term.topics.join('; '),
      term.related.join('; '),
      term.sources.map((s) => s.url).join(' '),
      term.reviewed,
    ]);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', attachment('dcbt-glossary.csv'))
      .send(toCsv(header, rows));
  });

  app.get<{ Params: { id: string } }>('/learn/glossary/:id', async (request, reply) => {
    const { id } = request.params;
    const term = ID.test(id) ? ctx.content.get(glossaryKind, id) : undefined;
    if (term === undefined) return ctx.notFound(request, reply);
    const { t, href } = ctx.view(request);
    const related = sortedTerms(t, relatedTerms(all(), term));
    const title = pick(term.term, t.locale);

    const body = html`${term.aliases === undefined || term.aliases.length === 0
      ? ''
      : html`<p class="meta">${t('learn.glossary.aliases')}: <span${langAttrs('en', t.locale)}>${term.aliases.join(', ')}</span></p>`}
<section aria-labelledby="definition">
<h2 id="definition">${t('learn.glossary.definition')}</h2>
<p>${localisedText(t, term.definition)}</p>
</section>
<section aria-labelledby="technical">
<h2 id="technical">${t('learn.glossary.technical')}</h2>
<p>${localisedText(t, term.technical)}</p>
</section>
<h2>${t('learn.glossary.topics')}</h2>
<ul class="tags">${term.topics.map((topic) => html`<li><a href="${href('/learn/glossary', { topic })}">${t(`learn.topic.${topic}`)}</a></li>`)}</ul>
${related.length === 0
  ? ''
  : html`<h2>${t('learn.glossary.related')}</h2>
<ul>${related.map((r) => html`<li>${termLink(t, href(`/learn/glossary/${r.id}`), r)}</li>`)}</ul>`}
<h2>${t('learn.glossary.sources')}</h2>
${sourcesList(term.sources)}
${reviewed(t, 'learn.glossary.reviewed', term.reviewed)}
${ctx.contentLinks(request, glossaryKind, term.id)}`;

    return ctx.page(request, reply, {
      title: title.text,
      heading: localisedText(t, term.term),
      description: pick(term.definition, t.locale).text,
      breadcrumbs: [
        { label: t.text('learn.home.title'), path: '/learn' },
        { label: t.text('learn.glossary.title'), path: '/learn/glossary' },
        { label: localisedText(t, term.term) },
      ],
      body,
    });
  });
}
