/**
 * Small helpers the page scripts share: messages from the page, state lines (icon + text, never
 * colour alone), the live region, and swapping a region of the page for the same region of a
 * freshly fetched copy (so the server renders once, with or without JavaScript).
 */

type PluralMessage = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };
export type Messages = Record<string, string | PluralMessage>;
export type StateKind = 'ok' | 'bad' | 'warn' | 'busy' | 'idle';

const ICONS: Record<StateKind, string> = { ok: '✓', bad: '✗', warn: '⚠', busy: '…', idle: '○' };

export const locale = (): string => document.documentElement.lang || 'en';

/** The messages the server put in the element's data-messages attribute. */
export function readMessages(root: HTMLElement): Messages {
  try {
    return JSON.parse(root.dataset.messages ?? '{}') as Messages;
  } catch {
    return {};
  }
}

/** Formats a message like the server does: {placeholders}, plural by `count`, numbers for the locale. */
export function format(messages: Messages, key: string, params: Record<string, string | number> = {}, lang: string = locale()): string {
  const message = messages[key];
  if (message === undefined) return key;
  const text = typeof message === 'string' ? message : (message[new Intl.PluralRules(lang).select(Number(params.count ?? 0))] ?? message.other);
  const numbers = new Intl.NumberFormat(lang);
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? numbers.format(value) : value;
  });
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T | null {
  return document.getElementById(id) as T | null;
}

/** Sets a state line rendered by the server (`.state` with `.state-icon` and `.state-text`). */
export function setState(element: HTMLElement | null, kind: StateKind, text: string): void {
  if (element === null) return;
  element.dataset.state = kind;
  element.classList.remove('state-ok', 'state-bad', 'state-warn', 'state-busy', 'state-idle');
  element.classList.add('state', `state-${kind}`);
  const icon = element.querySelector<HTMLElement>('.state-icon');
  const label = element.querySelector<HTMLElement>('.state-text');
  if (icon !== null) icon.textContent = ICONS[kind];
  if (label !== null) label.textContent = text;
}

/** Says something through the page's live region (#demo-status); screen readers read it politely. */
export function announce(kind: StateKind, text: string): void {
  setState(document.querySelector<HTMLElement>('#demo-status .state'), kind, text);
}

export function announcedText(): string {
  return document.querySelector('#demo-status .state-text')?.textContent ?? '';
}

/** True when the browser can hash (Web Crypto needs a secure context: HTTPS or localhost). */
export function canHash(): boolean {
  return typeof globalThis.crypto?.subtle?.digest === 'function';
}

/** Waits for the browser to paint and handle input before more work. */
export const nextFrame = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** The URL a GET form would load, with the button that submitted it. */
export function formUrl(form: HTMLFormElement, submitter: HTMLElement | null): string {
  const data = new FormData(form, submitter instanceof HTMLButtonElement ? submitter : null);
  const query = new URLSearchParams();
  for (const [key, value] of data) if (typeof value === 'string') query.append(key, value);
  return `${form.action.split('?')[0]}?${query.toString()}`;
}

/**
 * Loads `url` and replaces the element `regionId` with the new page's, and the live region's
 * text with the new page's. Returns false (leaving the page as it was) if the load failed.
 */
export async function swapRegion(url: string, regionId: string, signal?: AbortSignal): Promise<boolean> {
  let text: string;
  try {
    const response = await fetch(url, { headers: { accept: 'text/html' }, credentials: 'same-origin', ...(signal === undefined ? {} : { signal }) });
    if (!response.ok) return false;
    text = await response.text();
  } catch {
    return false;
  }
  const next = new DOMParser().parseFromString(text, 'text/html');
  const fresh = next.getElementById(regionId);
  const current = document.getElementById(regionId);
  if (fresh === null || current === null) return false;
  current.replaceWith(document.importNode(fresh, true));
  const status = next.querySelector<HTMLElement>('#demo-status .state');
  if (status !== null) {
    const kind = (status.dataset.state ?? 'idle') as StateKind;
    const said = status.querySelector('.state-text')?.textContent ?? '';
    if (said !== announcedText()) announce(kind, said);
  }
  return true;
}
