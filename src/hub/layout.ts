/** The page layout: landmarks, skip link, main navigation, language switcher, breadcrumbs. */
import { html, type SafeHtml } from './html.ts';
import { langAttrs, LOCALE_INFO, LOCALES, type Locale, type Translator } from './i18n/index.ts';
import type { NavEntry, PageSpec } from './modules/types.ts';

export interface LayoutInput {
  t: Translator;
  /** Path below the locale ("" for the home page), without the query string. */
  path: string;
  /** Query string including "?", kept by the language switcher. */
  search: string;
  nav: readonly NavEntry[];
  stylesheet: string;
  icon: string;
  /** URLs of the page's extra stylesheets and module scripts. */
  styles?: readonly string[];
  scripts?: readonly string[];
  spec: PageSpec;
  /** The account links (sign in, or the signed-in user's), rendered by the accounts code. */
  account?: SafeHtml;
}

export function localePath(locale: Locale, path: string): string {
  return `/${locale}${path === '/' ? '' : path}`;
}

function isCurrent(navPath: string, path: string): boolean {
  if (navPath === '' || navPath === '/') return path === '' || path === '/';
  return path === navPath || path.startsWith(`${navPath}/`);
}

export function renderLayout(input: LayoutInput): string {
  const { t, path, search, nav, spec } = input;
  const locale = t.locale;
  const dir = LOCALE_INFO[locale].dir;
  const heading = spec.heading ?? html`${spec.title}`;
  const siteName = t.text('core.siteName');
  const title = spec.title === siteName ? siteName : `${spec.title} — ${siteName}`;

  const navItems: { label: SafeHtml; path: string }[] = [
    { label: t('core.nav.home'), path: '' },
    ...nav.map((n) => ({ label: t(n.labelKey), path: n.path })),
    { label: t('core.nav.search'), path: '/search' },
  ];

  const languages = LOCALES.map((code) => {
    const info = LOCALE_INFO[code];
    const href = `${localePath(code, path)}${search}`;
    return code === locale
      ? html`<li><a href="${href}" hreflang="${code}" aria-current="true">${info.autonym}</a></li>`
      : html`<li><a href="${href}"${langAttrs(code, locale)} hreflang="${code}">${info.autonym}</a></li>`;
  });

  const alternates = LOCALES.map(
    (code) => html`<link rel="alternate" hreflang="${code}" href="${localePath(code, path)}${search}">`,
  );

  const crumbs = spec.breadcrumbs ?? [];
  const breadcrumbs =
    crumbs.length === 0
      ? ''
      : html`<nav class="breadcrumbs" aria-label="${t.text('core.breadcrumb')}"><ol>
<li><a href="${localePath(locale, '')}">${t('core.nav.home')}</a></li>
${crumbs.map((c) =>
  c.path === undefined
    ? html`<li><span aria-current="page">${c.label}</span></li>`
    : html`<li><a href="${localePath(locale, c.path)}">${c.label}</a></li>`,
)}
</ol></nav>`;

  const page = html`<!doctype html>
<html lang="${locale}" dir="${dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
${spec.description === undefined ? '' : html`<meta name="description" content="${spec.description}">`}
<link rel="stylesheet" href="${input.stylesheet}">
${(input.styles ?? []).map((href) => html`<link rel="stylesheet" href="${href}">
`)}${(input.scripts ?? []).map((src) => html`<script type="module" src="${src}"></script>
`)}<link rel="icon" href="${input.icon}" type="image/svg+xml">
${alternates}
</head>
<body>
<a class="skip-link" href="#main">${t('core.skipToContent')}</a>
<header class="site-header">
<div class="wrap header-inner">
<a class="brand" href="${localePath(locale, '')}">${t('core.siteName')}</a>
<nav class="languages" aria-label="${t.text('core.language.label')}"><ul>${languages}</ul></nav>
${input.account ?? ''}
<nav class="main-nav" aria-label="${t.text('core.nav.main')}"><ul>
${navItems.map((item) =>
  isCurrent(item.path, path)
    ? html`<li><a href="${localePath(locale, item.path)}" aria-current="page">${item.label}</a></li>`
    : html`<li><a href="${localePath(locale, item.path)}">${item.label}</a></li>`,
)}
</ul></nav>
${path === '/search'
  ? ''
  : html`<form class="site-search" role="search" method="get" action="${localePath(locale, '/search')}">
<label for="site-search-q">${t('core.search.label')}</label>
<input id="site-search-q" type="search" name="q" maxlength="200" autocomplete="off">
<button type="submit">${t('core.search.button')}</button>
</form>`}
</div>
</header>
<div class="wrap">
${breadcrumbs}
<main id="main" tabindex="-1">
<h1>${heading}</h1>
${spec.body}
</main>
</div>
<footer class="site-footer">
<div class="wrap">
<p>${t('core.footer.about')}</p>
<p>${t('core.footer.review')}</p>
</div>
</footer>
</body>
</html>
`;
  return page.value;
}
