/**
 * Content loading. Modules declare the kinds of content they read from the repository's
 * content/ folder (`contentSchemas` in the manifest); the core reads every file of every kind
 * at start-up, validates it with the kind's zod schema, then runs the modules' cross-checks.
 * Any error stops start-up with the file, the field and the reason.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parse, stringify, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import type { KindEditing } from './editing.ts';

/**
 * One kind of content file.
 * - `yaml`: the parsed document is validated.
 * - `markdown`: YAML front matter between `---` lines; validated as `{ ...frontMatter, body }`.
 * - `text`: validated as `{ id, text }` (e.g. SVG diagrams).
 * The file name without extension must equal the item's `id`.
 */
export interface ContentKind<T extends { id: string }> {
  id: string;
  dir: string;
  ext: string;
  format: 'yaml' | 'markdown' | 'text';
  schema: z.ZodType<T>;
  /**
   * Set when the kind can be edited on the web (see editing.ts and revisions.ts): which fields
   * the form shows, who may propose and publish, where the pages are.
   */
  editing?: KindEditing;
}

export interface ContentIssue {
  file: string;
  field: string;
  reason: string;
}

export class ContentError extends Error {
  readonly issues: readonly ContentIssue[];

  constructor(issues: readonly ContentIssue[]) {
    const shown = issues.slice(0, 20).map((i) => `  ${i.file}: ${i.field}: ${i.reason}`);
    const more = issues.length > 20 ? [`  … and ${issues.length - 20} more`] : [];
    super(`content is not valid (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${[...shown, ...more].join('\n')}`);
    this.name = 'ContentError';
    this.issues = issues;
  }
}

export interface ContentCheckResult {
  errors: ContentIssue[];
  warnings: ContentIssue[];
}

/**
 * Validated content, by kind, in file-name order. Besides the items as read from the files, a
 * store can hold published web revisions in their place (`replace`; see revisions.ts): readers
 * (`items`, `get`) see the overlaid item, `file` still gives the file's.
 */
export class ContentStore {
  readonly root: string;
  readonly #items = new Map<string, readonly { id: string }[]>();
  readonly #byId = new Map<string, Map<string, { id: string }>>();
  readonly #files = new Map<string, ReadonlyMap<string, { id: string }>>();
  warnings: readonly ContentIssue[] = [];

  constructor(root: string) {
    this.root = root;
  }

  /** Sets the items of a kind as read from its files. */
  set<T extends { id: string }>(kind: ContentKind<T>, items: readonly T[]): void {
    this.#items.set(kind.id, items);
    this.#byId.set(kind.id, new Map(items.map((item) => [item.id, item])));
    this.#files.set(kind.id, new Map(items.map((item) => [item.id, item])));
  }

  items<T extends { id: string }>(kind: ContentKind<T>): readonly T[] {
    return (this.#items.get(kind.id) ?? []) as readonly T[];
  }

  get<T extends { id: string }>(kind: ContentKind<T>, id: string): T | undefined {
    return this.#byId.get(kind.id)?.get(id) as T | undefined;
  }

  /** The item as its file has it, whatever revision is shown in its place. */
  file<T extends { id: string }>(kind: ContentKind<T>, id: string): T | undefined {
    return this.#files.get(kind.id)?.get(id) as T | undefined;
  }

  /**
   * Shows `item` in place of the item with the same id (keeping its position). Only items that
   * have a file can be replaced: the files decide what exists.
   */
  replace<T extends { id: string }>(kind: ContentKind<T>, item: T): void {
    const list = this.#items.get(kind.id) ?? [];
    const index = list.findIndex((x) => x.id === item.id);
    if (index === -1) throw new Error(`content ${kind.id}: no item "${item.id}" to replace`);
    this.#items.set(kind.id, list.with(index, item));
    this.#byId.get(kind.id)?.set(item.id, item);
  }

  /** Shows the file's item again. */
  restore<T extends { id: string }>(kind: ContentKind<T>, id: string): void {
    const item = this.file(kind, id);
    if (item !== undefined) this.replace(kind, item);
  }

  /** A store with the same files and items whose replacements do not affect this one. */
  copy(): ContentStore {
    const other = new ContentStore(this.root);
    for (const [kind, items] of this.#items) other.#items.set(kind, items);
    for (const [kind, byId] of this.#byId) other.#byId.set(kind, new Map(byId));
    for (const [kind, files] of this.#files) other.#files.set(kind, files);
    other.warnings = this.warnings;
    return other;
  }
}

/** Where an item's file lives, relative to the content folder: `glossary/block.yaml`. */
export function contentFileName(kind: ContentKind<{ id: string }>, id: string): string {
  return join(kind.dir, `${id}${kind.ext}`);
}

/**
 * An item as the text of its file (the inverse of reading it): YAML, or YAML front matter and
 * the Markdown body. Long strings stay on one line (no folding), so a later diff of the file
 * shows the words that changed.
 */
export function serializeContent(kind: ContentKind<{ id: string }>, item: { id: string }): string {
  if (kind.format === 'yaml') return stringify(item, { lineWidth: 0 });
  if (kind.format === 'markdown') {
    const { body, ...front } = item as { id: string; body?: unknown };
    const text = typeof body === 'string' ? body : '';
    return `---\n${stringify(front, { lineWidth: 0 })}---\n${text}`;
  }
  throw new Error(`content ${kind.id}: ${kind.format} files are not written back`);
}

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/;

/** A zod issue path as a field name: `sources[1].url`. */
export function fieldOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(document)' : out;
}

function parseFile<T extends { id: string }>(kind: ContentKind<T>, path: string, file: string, issues: ContentIssue[]): T | undefined {
  const text = readFileSync(path, 'utf8');
  let input: unknown;
  try {
    if (kind.format === 'yaml') {
      input = parse(text);
    } else if (kind.format === 'markdown') {
      const match = FRONT_MATTER.exec(text);
      if (match === null) {
        issues.push({ file, field: '(front matter)', reason: 'missing YAML front matter between --- lines' });
        return undefined;
      }
      const data: unknown = parse(match[1] ?? '');
      if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        issues.push({ file, field: '(front matter)', reason: 'front matter must be a mapping' });
        return undefined;
      }
      if ('body' in data) {
        issues.push({ file, field: 'body', reason: '"body" is reserved for the Markdown text; remove it from the front matter' });
        return undefined;
      }
      input = { ...data, body: match[2] ?? '' };
    } else {
      input = { id: basename(path, kind.ext), text };
    }
  } catch (error) {
    const reason = error instanceof YAMLParseError ? error.message.split('\n')[0] ?? error.message : String(error);
    issues.push({ file, field: '(syntax)', reason });
    return undefined;
  }
  const result = kind.schema.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) issues.push({ file, field: fieldOf(issue.path), reason: issue.message });
    return undefined;
  }
  const id = basename(path, kind.ext);
  if (result.data.id !== id) {
    issues.push({ file, field: 'id', reason: `must equal the file name ("${id}")` });
    return undefined;
  }
  return result.data;
}

/**
 * Loads and validates every kind, then runs the cross-checks. Throws ContentError listing
 * every problem; warnings (e.g. a link to a term not written yet) are kept on the store.
 */
export function loadContent(
  root: string,
  kinds: readonly ContentKind<{ id: string }>[],
  checks: readonly ((store: ContentStore) => ContentCheckResult)[] = [],
): ContentStore {
  const store = new ContentStore(root);
  const issues: ContentIssue[] = [];
  for (const kind of kinds) {
    const dir = join(root, kind.dir);
    if (!existsSync(dir)) {
      issues.push({ file: relative(process.cwd(), dir) || dir, field: '(folder)', reason: `folder for ${kind.id} does not exist` });
      continue;
    }
    const files = readdirSync(dir)
      .filter((f) => f.endsWith(kind.ext))
      .sort();
    const items: { id: string }[] = [];
    for (const name of files) {
      const path = join(dir, name);
      const item = parseFile(kind, path, join(kind.dir, name), issues);
      if (item !== undefined) items.push(item);
    }
    store.set(kind, items);
  }
  const warnings: ContentIssue[] = [];
  if (issues.length === 0) {
    for (const check of checks) {
      const result = check(store);
      issues.push(...result.errors);
      warnings.push(...result.warnings);
    }
  }
  if (issues.length > 0) throw new ContentError(issues);
  store.warnings = warnings;
  return store;
}
