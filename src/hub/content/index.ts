/**
 * Content loading. Modules declare the kinds of content they read from the repository's
 * content/ folder (`contentSchemas` in the manifest); the core reads every file of every kind
 * at start-up, validates it with the kind's zod schema, then runs the modules' cross-checks.
 * Any error stops start-up with the file, the field and the reason.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { parse, YAMLParseError } from 'yaml';
import type { z } from 'zod';

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

/** Validated content, by kind, in file-name order. */
export class ContentStore {
  readonly root: string;
  readonly #items = new Map<string, readonly { id: string }[]>();
  readonly #byId = new Map<string, Map<string, { id: string }>>();
  warnings: readonly ContentIssue[] = [];

  constructor(root: string) {
    this.root = root;
  }

  set<T extends { id: string }>(kind: ContentKind<T>, items: readonly T[]): void {
    this.#items.set(kind.id, items);
    this.#byId.set(kind.id, new Map(items.map((item) => [item.id, item])));
  }

  items<T extends { id: string }>(kind: ContentKind<T>): readonly T[] {
    return (this.#items.get(kind.id) ?? []) as readonly T[];
  }

  get<T extends { id: string }>(kind: ContentKind<T>, id: string): T | undefined {
    return this.#byId.get(kind.id)?.get(id) as T | undefined;
  }
}

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/;

function fieldOf(path: readonly PropertyKey[]): string {
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
