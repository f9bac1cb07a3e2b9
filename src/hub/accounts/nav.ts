/** The account links in the page header: sign in / create an account, or the signed-in user's links. */
import { html, type SafeHtml } from '../html.ts';
import type { Translator } from '../i18n/index.ts';
import type { CurrentUser } from './index.ts';
import { CORE_PERMISSIONS } from './roles.ts';
import { safeNext } from './routes.ts';

export interface AccountNavInput {
  t: Translator;
  user: CurrentUser | undefined;
  /** Path below the locale and query of the current page (the sign-in link comes back to it). */
  path: string;
  search: string;
  /** The CSRF field for the sign-out form (only asked for when someone is signed in). */
  csrfField: () => SafeHtml;
  /** Further links for the signed-in user (e.g. the review queue), after "Your account". */
  links?: readonly { path: string; key: string }[];
}

export function accountNav(input: AccountNavInput): SafeHtml {
  const { t, user, path } = input;
  const at = (p: string) => `/${t.locale}${p}`;
  const link = (p: string, key: string, query = '') =>
    path === p ? html`<li><a href="${at(p)}${query}" aria-current="page">${t(key)}</a></li>` : html`<li><a href="${at(p)}${query}">${t(key)}</a></li>`;
  let items: SafeHtml[];
  if (user === undefined) {
    const back = path.startsWith('/account') ? undefined : safeNext(`/${t.locale}${path}${input.search}`);
    items = [link('/account/sign-in', 'account.nav.signIn', back === undefined ? '' : `?${new URLSearchParams({ next: back }).toString()}`), link('/account/sign-up', 'account.nav.signUp')];
  } else {
    items = [
      link('/account', 'account.nav.account'),
      ...(input.links ?? []).map((l) => link(l.path, l.key)),
      ...(user.can(CORE_PERMISSIONS.manageUsers) ? [link('/admin/users', 'account.nav.users')] : []),
      ...(user.can(CORE_PERMISSIONS.readOutbox) ? [link('/admin/outbox', 'account.nav.outbox')] : []),
      html`<li><form class="sign-out" method="post" action="${at('/account/sign-out')}">${input.csrfField()}<button type="submit" class="link-button">${t('account.signOut.button')}</button></form></li>`,
    ];
  }
  return html`<nav class="account-nav" aria-label="${t.text('account.nav.label')}"><ul>${items}</ul></nav>`;
}
