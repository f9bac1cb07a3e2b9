/** The messages the accounts code sends, in the recipient's language, as plain text and HTML. */
import { html } from '../html.ts';
import { LOCALE_INFO, type Translator } from '../i18n/index.ts';
import type { MailMessage } from '../mail/index.ts';

export type AccountMailKind = 'confirm' | 'exists' | 'reset' | 'changed';

export interface MailLink {
  labelKey: string;
  url: string;
}

export interface AccountMailInput {
  kind: AccountMailKind;
  to: string;
  name: string;
  links: readonly MailLink[];
  /** Filled into {duration} (a link's lifetime). */
  duration?: string;
}

export function composeAccountMail(t: Translator, input: AccountMailInput): MailMessage {
  const params = { duration: input.duration ?? '' };
  const subject = t.text(`account.mail.${input.kind}.subject`);
  const greeting = t.text('account.mail.greeting', { name: input.name });
  const body = t.text(`account.mail.${input.kind}.body`, params);
  // Only the messages a stranger can trigger carry the "ignore it" line.
  const ignore = input.kind === 'confirm' || input.kind === 'reset' || input.kind === 'exists' ? t.text('account.mail.ignore') : '';
  const signature = t.text('account.mail.signature');
  const footer = t.text('account.mail.footer');

  const text = [
    greeting,
    body,
    ...input.links.map((l) => `${t.text(l.labelKey)}:\n${l.url}`),
    ...(ignore === '' ? [] : [ignore]),
    `-- \n${signature}\n${footer}`,
  ].join('\n\n');

  const { dir } = LOCALE_INFO[t.locale];
  const page = html`<!doctype html>
<html lang="${t.locale}" dir="${dir}">
<head><meta charset="utf-8"><title>${subject}</title></head>
<body>
<p>${greeting}</p>
<p>${body}</p>
${input.links.map((l) => html`<p><a href="${l.url}">${t.text(l.labelKey)}</a><br>${l.url}</p>`)}
${ignore === '' ? '' : html`<p>${ignore}</p>`}
<p>${signature}</p>
<p><small>${footer}</small></p>
</body>
</html>
`;
  return { to: input.to, subject, text: `${text}\n`, html: page.value, lang: t.locale };
}
