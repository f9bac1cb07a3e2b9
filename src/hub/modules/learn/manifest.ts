/**
 * Learn: the coalition's educational materials — glossary, explainers, resources and the
 * interactive demos (demos/). Read-only in this version; editing on the web comes with accounts
 * and versioning.
 */
import { html } from '../../html.ts';
import { pick } from '../../i18n/index.ts';
import type { HubModule, SearchDoc } from '../types.ts';
import { checkLearnContent, diagramKind, explainerKind, glossaryKind, resourceKind } from './content.ts';
import { demoCatalogues, demoMessage } from './demos/i18n/index.ts';
import { DEMOS, DEMOS_PATH, demoMigrations, demoRoutes, demoSearchDocs } from './demos/routes.ts';
import { explainerRoutes } from './explainers.ts';
import { glossaryRoutes } from './glossary.ts';
import { ar } from './i18n/ar.ts';
import { en } from './i18n/en.ts';
import { es } from './i18n/es.ts';
import { fr } from './i18n/fr.ts';
import { resourceRoutes } from './resources.ts';

/** Markdown to searchable plain text. */
function plain(markdown: string): string {
  return markdown
    .replace(/\{\{diagram:[^}]*\}\}/g, ' ')
    .replace(/\[(\d+)\](?!\()/g, ' ')
    .replace(/\]\([^)]*\)/g, ']')
    .replace(/[#*_`>|[\]-]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const learn: HubModule = {
  id: 'learn',
  nav: { labelKey: 'learn.nav', path: '/learn', descriptionKey: 'learn.navDescription' },
  messages: { en: { ...en, ...demoCatalogues.en }, fr: { ...fr, ...demoCatalogues.fr }, es: { ...es, ...demoCatalogues.es }, ar: { ...ar, ...demoCatalogues.ar } },
  migrations: [...demoMigrations],
  permissions: ['learn.edit', 'learn.review'],
  // Editors change and publish Learn content; working-group leads may propose changes.
  grants: { editor: ['learn.edit', 'learn.review'], lead: ['learn.edit'] },
  contentSchemas: [glossaryKind, resourceKind, diagramKind, explainerKind],
  contentCheck: checkLearnContent,

  routes(app, ctx) {
    app.get('/learn', async (request, reply) => {
      const { t, href } = ctx.view(request);
      const sections = [
        { path: '/learn/glossary', title: 'learn.glossary.title', text: 'learn.glossary.description', count: 'learn.glossary.count', n: ctx.content.items(glossaryKind).length },
        { path: '/learn/explainers', title: 'learn.explainers.title', text: 'learn.explainers.description', count: 'learn.explainers.count', n: ctx.content.items(explainerKind).length },
        { path: '/learn/resources', title: 'learn.resources.title', text: 'learn.resources.description', count: 'learn.resources.count', n: ctx.content.items(resourceKind).length },
        { path: DEMOS_PATH, title: 'learn.demos.title', text: 'learn.demos.description', count: 'learn.demos.count', n: DEMOS.length },
      ];
      return ctx.page(request, reply, {
        title: t.text('learn.home.title'),
        description: t.text('learn.navDescription'),
        breadcrumbs: [{ label: t.text('learn.home.title') }],
        body: html`<p class="lead">${t('learn.home.intro')}</p>
<ul class="cards">${sections.map(
          (s) => html`<li><h2><a href="${href(s.path)}">${t(s.title)}</a></h2>
<p>${t(s.text)}</p>
<p class="meta">${t(s.count, { count: s.n })}</p></li>`,
        )}</ul>`,
      });
    });
    glossaryRoutes(app, ctx);
    explainerRoutes(app, ctx);
    resourceRoutes(app, ctx);
    demoRoutes(app, ctx);
  },

  search(content, locales) {
    const docs: SearchDoc[] = [];
    for (const locale of locales) {
      for (const term of content.items(glossaryKind)) {
        const title = pick(term.term, locale);
        const definition = pick(term.definition, locale);
        docs.push({
          ref: `glossary:${term.id}`,
          kindKey: 'learn.search.glossary',
          locale,
          lang: definition.lang,
          title: title.text,
          text: [definition.text, ...(term.aliases ?? []), term.term.en, term.technical.en].join(' '),
          path: `/learn/glossary/${term.id}`,
        });
      }
      for (const e of content.items(explainerKind)) {
        docs.push({
          ref: `explainer:${e.id}`,
          kindKey: 'learn.search.explainer',
          locale,
          lang: 'en',
          title: e.title,
          text: `${e.summary} ${plain(e.body)}`,
          path: `/learn/explainers/${e.id}`,
        });
      }
      for (const r of content.items(resourceKind)) {
        docs.push({
          ref: `resource:${r.id}`,
          kindKey: 'learn.search.resource',
          locale,
          lang: 'en',
          title: r.title,
          text: `${r.summary} ${r.publisher}`,
          path: r.url,
        });
      }
    }
    docs.push(...demoSearchDocs(demoMessage, locales));
    return docs;
  },
};

export default learn;
