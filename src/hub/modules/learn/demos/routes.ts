/** The interactive demos: an index page and one page per demo, below /:locale/learn/demos. */
import type { FastifyInstance } from 'fastify';
import { html } from '../../../html.ts';
import type { Locale } from '../../../i18n/index.ts';
import type { ModuleContext, SearchDoc } from '../../types.ts';
import { blockRoutes } from './block.ts';
import { chainRoutes } from './chain.ts';
import { DEMOS, DEMOS_PATH, demoPath } from './common.ts';
import { consensusRoutes } from './consensus.ts';
import { hashingRoutes } from './hashing.ts';
import { registerRoutes } from './register.ts';
import type { DemoRegistrar } from './registrar.ts';

export { demoMigrations } from './registrar.ts';
export { DEMOS, DEMOS_PATH } from './common.ts';

export function demoRoutes(app: FastifyInstance, ctx: ModuleContext): DemoRegistrar | undefined {
  app.get(DEMOS_PATH, async (request, reply) => {
    const { t, href } = ctx.view(request);
    return ctx.page(request, reply, {
      title: t.text('learn.demos.title'),
      description: t.text('learn.demos.description'),
      breadcrumbs: [{ label: t.text('learn.home.title'), path: '/learn' }, { label: t.text('learn.demos.title') }],
      styles: ['demos.css'],
      body: html`<p class="lead">${t('learn.demos.intro')}</p>
<p>${t('learn.demos.keyboard')}</p>
<h2>${t('learn.demos.list')}</h2>
<ol class="cards demo-list">${DEMOS.map(
        (d) => html`<li><h3><a href="${href(demoPath(d.id))}">${t(`learn.demos.${d.id}.title`)}</a></h3>
<p>${t(`learn.demos.${d.id}.summary`)}</p></li>`,
      )}</ol>`,
    });
  });
  hashingRoutes(app, ctx);
  blockRoutes(app, ctx);
  chainRoutes(app, ctx);
  consensusRoutes(app, ctx);
  return registerRoutes(app, ctx);
}

/** Search documents for the demo pages, in every locale (the demos' titles and summaries). */
export function demoSearchDocs(messages: (locale: Locale, key: string) => string | undefined, locales: readonly Locale[]): SearchDoc[] {
  return locales.flatMap((locale) =>
    DEMOS.map((d) => {
      const own = messages(locale, `learn.demos.${d.id}.title`);
      const pick = (key: string) => messages(locale, key) ?? messages('en', key) ?? '';
      return {
        ref: `demo:${d.id}`,
        kindKey: 'learn.demos.searchKind',
        locale,
        lang: own === undefined ? 'en' : locale,
        title: pick(`learn.demos.${d.id}.title`),
        text: `${pick(`learn.demos.${d.id}.summary`)} ${pick(`learn.demos.${d.id}.intro`)}`,
        path: demoPath(d.id),
      };
    }),
  );
}
