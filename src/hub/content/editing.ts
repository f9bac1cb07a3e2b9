/**
 * Web editing of content kinds: which fields of a document the edit form shows and how each is
 * written as form text and read back. A kind opts in with `editing` (a KindEditing) on its
 * ContentKind; the core then serves its edit, history and review pages (routes.ts) and keeps
 * its revisions (revisions.ts). Pure: no I/O.
 *
 * Every control is a plain form field (text inputs, textareas, checkboxes), so the form works
 * without JavaScript. Values come back as text and become a document again here; the kind's
 * zod schema then decides whether it is valid, and its issues are mapped back to the controls.
 */
import { parse, stringify, YAMLParseError } from 'yaml';
import { html, type SafeHtml } from '../html.ts';
import { langAttrs, LOCALES, type Locale, type Translator } from '../i18n/index.ts';

/**
 * - `line`: one line of text (an input).
 * - `text`: a paragraph of plain text (a textarea).
 * - `markdown`: Markdown (a textarea; line breaks kept exactly).
 * - `number`: a whole number (a text input with a numeric keyboard).
 * - `lines`: a list of strings, one per line (a textarea).
 * - `choice`: one value from a fixed set (radio buttons).
 * - `choices`: a list of values from a fixed set (checkboxes).
 * - `yaml`: structured data (a list of sources, …) written as YAML (a textarea).
 */
export type EditFieldType = 'line' | 'text' | 'markdown' | 'number' | 'lines' | 'choice' | 'choices' | 'yaml';

export interface EditableField {
  /** The document's top-level key. */
  key: string;
  type: EditFieldType;
  /** Catalogue key of the label. */
  labelKey: string;
  /** Catalogue key of a hint shown under the label. */
  hintKey?: string;
  /** The value is `{ en, fr?, es?, ar? }`: one control per locale, English required. */
  localised?: boolean;
  /** An empty value leaves the key out of the document (for optional keys). */
  optional?: boolean;
  /** For `choice` and `choices`: the allowed values, and the catalogue key prefix of their labels. */
  choices?: readonly string[];
  choiceKeyPrefix?: string;
  /** Height of a textarea in lines. */
  rows?: number;
}

export interface KindEditing {
  /**
   * Where the kind's pages are, below the locale ("/learn/glossary"); must start with the
   * module's id. The core serves `<path>/edit/:id` and `<path>/history/:id`.
   */
  path: string;
  /** The page showing one item, if the kind has one ("/learn/glossary/block"). */
  itemPath?(id: string): string;
  /** Who may propose changes, and who may publish or reject them (declared by the module). */
  editPermission: string;
  reviewPermission: string;
  /** Catalogue key naming one item of the kind ("Glossary term"). */
  kindKey: string;
  /** The key holding the item's title: a string or a localised object. */
  titleKey: string;
  fields: readonly EditableField[];
  /** A date key (YYYY-MM-DD) set to the day a revision is published: publishing is the review. */
  reviewedKey?: string;
  /** The schema's own English messages → catalogue keys, so that they can be shown localised. */
  errorKeys?: Readonly<Record<string, string>>;
  /**
   * Messages with a variable part (a cross-check's `term "x" does not exist`): the first pattern
   * that matches gives the key, its named groups the parameters.
   */
  errorPatterns?: readonly { pattern: RegExp; key: string }[];
}

/** The edit form's own fields: which version it was based on, and the author's description. */
export const BASE_FIELD = '_base';
export const SUMMARY_FIELD = '_summary';

/** One form control: its `name` in the form and its element id. */
export interface Control {
  name: string;
  id: string;
  field: EditableField;
  locale?: Locale;
  /** The value of one radio button or checkbox. */
  value?: string;
}

export function controlId(name: string): string {
  return `edit-${name.replace(/[^a-zA-Z0-9-]/g, '-')}`;
}

/** The controls of a field, in form order. */
export function controlsOf(field: EditableField): Control[] {
  if (field.type === 'choices' || field.type === 'choice') {
    // Checkboxes get a name each (form bodies keep one value per name); radio buttons share one.
    return (field.choices ?? []).map((choice) => ({
      name: field.type === 'choices' ? `${field.key}.${choice}` : field.key,
      id: controlId(`${field.key}.${choice}`),
      field,
      value: choice,
    }));
  }
  if (field.localised === true) {
    return LOCALES.map((locale) => ({ name: `${field.key}.${locale}`, id: controlId(`${field.key}.${locale}`), field, locale }));
  }
  return [{ name: field.key, id: controlId(field.key), field }];
}

/** Form values are text; browsers send textarea line breaks as CRLF. */
function unixLines(value: string): string {
  return value.replace(/\r\n?/g, '\n');
}

/** A paragraph or a line is one line of text: line breaks typed into it become spaces. */
function oneParagraph(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ');
}

function yamlOf(value: unknown): string {
  return value === undefined ? '' : stringify(value, { lineWidth: 0 });
}

/** The form's values for a document: name → text. */
export function documentToForm(editing: KindEditing, doc: Readonly<Record<string, unknown>>): Record<string, string> {
  const form: Record<string, string> = {};
  for (const field of editing.fields) {
    const value = doc[field.key];
    if (field.type === 'choices') {
      const chosen = new Set(Array.isArray(value) ? value.map(String) : []);
      for (const choice of field.choices ?? []) if (chosen.has(choice)) form[`${field.key}.${choice}`] = 'on';
    } else if (field.localised === true) {
      const byLocale = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
      for (const locale of LOCALES) form[`${field.key}.${locale}`] = typeof byLocale[locale] === 'string' ? (byLocale[locale] as string) : '';
    } else if (field.type === 'lines') {
      form[field.key] = Array.isArray(value) ? value.map(String).join('\n') : '';
    } else if (field.type === 'number') {
      form[field.key] = typeof value === 'number' ? String(value) : '';
    } else if (field.type === 'yaml') {
      form[field.key] = yamlOf(value);
    } else {
      form[field.key] = typeof value === 'string' ? value : value === undefined ? '' : String(value);
    }
  }
  return form;
}

/**
 * What went wrong with a proposed document, in terms of the document (the schema's path), with
 * the details the localised message needs. `code` is zod's, or `check` (a module's cross-check)
 * or `yaml` (a YAML field that does not parse).
 */
export interface DocumentIssue {
  path: readonly PropertyKey[];
  code: string;
  /** English, as the schema or check wrote it. */
  message: string;
  origin?: string;
  minimum?: number;
  maximum?: number;
  expected?: string;
  values?: readonly unknown[];
  keys?: readonly string[];
}

/** Issues from a zod error, keeping only what messages use. */
export function zodIssues(issues: readonly Record<string, unknown>[]): DocumentIssue[] {
  return issues.map((issue) => {
    const out: DocumentIssue = { path: (issue.path as PropertyKey[] | undefined) ?? [], code: String(issue.code), message: String(issue.message) };
    if (typeof issue.origin === 'string') out.origin = issue.origin;
    if (typeof issue.minimum === 'number' || typeof issue.minimum === 'bigint') out.minimum = Number(issue.minimum);
    if (typeof issue.maximum === 'number' || typeof issue.maximum === 'bigint') out.maximum = Number(issue.maximum);
    if (typeof issue.expected === 'string') out.expected = issue.expected;
    if (Array.isArray(issue.values)) out.values = issue.values as unknown[];
    if (Array.isArray(issue.keys)) out.keys = (issue.keys as unknown[]).map(String);
    return out;
  });
}

/**
 * Reads the form back into a document: `base` with the edited keys replaced (keys the form
 * does not show, like `id`, keep their value). YAML that does not parse is reported as an issue
 * of its key; everything else is left for the schema to judge.
 */
export function formToDocument(
  editing: KindEditing,
  base: Readonly<Record<string, unknown>>,
  form: Readonly<Record<string, string | undefined>>,
): { document: Record<string, unknown>; issues: DocumentIssue[] } {
  const doc: Record<string, unknown> = structuredClone({ ...base });
  const issues: DocumentIssue[] = [];
  const read = (name: string): string => unixLines(form[name] ?? '');
  const setOrDrop = (field: EditableField, value: unknown, empty: boolean): void => {
    if (empty && field.optional === true) delete doc[field.key];
    else doc[field.key] = value;
  };
  for (const field of editing.fields) {
    if (field.type === 'choices') {
      const ticked = (field.choices ?? []).filter((choice) => form[`${field.key}.${choice}`] !== undefined);
      // Values keep their order in the document (it is meaningful to some, e.g. the main topic
      // first), so an unchanged set of ticks is no change; new ones follow in the form's order.
      const before = Array.isArray(base[field.key]) ? (base[field.key] as unknown[]).map(String) : [];
      const chosen = [...before.filter((v) => ticked.includes(v)), ...ticked.filter((v) => !before.includes(v))];
      setOrDrop(field, chosen, chosen.length === 0);
    } else if (field.localised === true) {
      const value: Record<string, string> = {};
      for (const locale of LOCALES) {
        const typed = read(`${field.key}.${locale}`);
        const text = field.type === 'markdown' ? typed : oneParagraph(typed);
        // English is required: an empty English text stays, for the schema to refuse.
        if (text.trim() !== '' || locale === 'en') value[locale] = text;
      }
      doc[field.key] = value;
    } else if (field.type === 'number') {
      const text = read(field.key).trim();
      // Anything but digits stays text, for the schema to refuse as "not a number".
      setOrDrop(field, /^-?\d{1,15}$/.test(text) ? Number(text) : text === '' ? undefined : text, text === '');
    } else if (field.type === 'choice') {
      const value = read(field.key);
      setOrDrop(field, value, value === '');
    } else if (field.type === 'lines') {
      const lines = read(field.key)
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '');
      setOrDrop(field, lines, lines.length === 0);
    } else if (field.type === 'yaml') {
      const text = read(field.key);
      if (text.trim() === '') {
        setOrDrop(field, [], true);
        continue;
      }
      try {
        setOrDrop(field, parse(text), false);
      } catch (error) {
        const reason = error instanceof YAMLParseError ? (error.message.split('\n')[0] ?? error.message) : String(error);
        issues.push({ path: [field.key], code: 'yaml', message: reason });
        doc[field.key] = base[field.key];
      }
    } else {
      const text = read(field.key);
      const value = field.type === 'markdown' ? text : oneParagraph(text);
      setOrDrop(field, value, value.trim() === '');
    }
  }
  return { document: doc, issues };
}

/** The control an issue belongs to, and where inside its value ("line 3", "item 2 › url"). */
export function controlOfIssue(editing: KindEditing, issue: DocumentIssue): { control: Control | undefined; where: string[] } {
  const [key, ...rest] = issue.path;
  const field = editing.fields.find((f) => f.key === key);
  if (field === undefined) return { control: undefined, where: issue.path.map(String) };
  const controls = controlsOf(field);
  if (field.localised === true) {
    const locale = rest[0];
    const control = controls.find((c) => c.locale === locale) ?? controls[0];
    return { control, where: rest.slice(1).map(String) };
  }
  if (field.type === 'lines' || field.type === 'choices' || field.type === 'choice') {
    return { control: controls[0], where: typeof rest[0] === 'number' ? [`#${rest[0] + 1}`, ...rest.slice(1).map(String)] : rest.map(String) };
  }
  return { control: controls[0], where: rest.map((p) => (typeof p === 'number' ? `#${p + 1}` : String(p))) };
}

/**
 * An issue in the reader's language: the kind's own keys for its schema's messages first, then
 * one message per kind of zod issue; anything else gets a general sentence with the English
 * reason after it (marked as English).
 */
export function issueMessage(t: Translator, issue: DocumentIssue, editing: Pick<KindEditing, 'errorKeys' | 'errorPatterns'> = {}): SafeHtml {
  const own = editing.errorKeys?.[issue.message];
  if (own !== undefined) return t(own);
  for (const { pattern, key } of editing.errorPatterns ?? []) {
    const match = pattern.exec(issue.message);
    if (match !== null) return t(key, { ...match.groups });
  }
  const min = issue.minimum ?? 0;
  const max = issue.maximum ?? 0;
  switch (issue.code) {
    case 'too_small':
      if (issue.origin === 'string') return min <= 1 ? t('content.error.empty') : t('content.error.tooShort', { count: min });
      if (issue.origin === 'array' || issue.origin === 'set') return t('content.error.fewItems', { count: min });
      return t('content.error.numberMin', { min: t.number(min) });
    case 'too_big':
      if (issue.origin === 'document') return t('content.error.documentTooLarge', { max: t.number(Math.round(max / 1024)) });
      if (issue.origin === 'string') return t('content.error.tooLong', { count: max });
      if (issue.origin === 'array' || issue.origin === 'set') return t('content.error.manyItems', { count: max });
      return t('content.error.numberMax', { max: t.number(max) });
    case 'invalid_type':
      return issue.expected === 'number' || issue.expected === 'int'
        ? t('content.error.expectNumber')
        : issue.expected === 'array'
          ? t('content.error.expectList')
          : issue.expected === 'object'
            ? t('content.error.expectMapping')
            : t('content.error.expectText');
    case 'invalid_value':
      return t('content.error.choice', { values: (issue.values ?? []).map(String).join(', ') });
    case 'unrecognized_keys':
      return t('content.error.unknownKeys', { keys: (issue.keys ?? []).join(', ') });
    case 'yaml':
      return html`${t('content.error.yaml')} <span${langAttrs('en', t.locale)}>${issue.message}</span>`;
    default:
      return html`${t('content.error.invalid')} <span${langAttrs('en', t.locale)}>${issue.message}</span>`;
  }
}
