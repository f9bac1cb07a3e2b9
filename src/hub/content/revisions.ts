/**
 * Content revisions: web edits of content items, kept in the database beside the reviewed
 * files of content/.
 *
 * An editor proposes a whole new document for an item; it is validated by the kind's schema
 * and the modules' cross-checks before anything is stored. A reviewer publishes or rejects it.
 * Published revisions of an item are numbered 1, 2, … (`version`); the newest one is shown in
 * place of the file's item everywhere content is read (pages, downloads, search) for as long as
 * the file is still the one the edits started from. When the file changes afterwards (someone
 * merged a reviewed change, for example the exported revisions), the file is newer and wins.
 *
 * Concurrency is optimistic. A proposal names the document it started from (`base_hash`, the
 * SHA-256 of its canonical JSON); proposing or publishing against anything but the item's
 * current document is refused as stale. Publishing takes version = current + 1 under a unique
 * index on (kind, item, version), so two hub processes publishing at once cannot both win.
 *
 * Hub processes share the database, not memory: each one checks for revisions published by
 * the others at most every `syncIntervalMs` (on the next request) and updates its content and
 * search index.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DcbtError } from '../../errors.ts';
import type { HubDb } from '../db/index.ts';
import type { Migration } from '../db/migrate.ts';
import { zodIssues, type DocumentIssue, type KindEditing } from './editing.ts';
import { contentFileName, type ContentCheckResult, type ContentIssue, type ContentKind, type ContentStore } from './index.ts';

export type RevisionStatus = 'proposed' | 'published' | 'rejected';

export type RevisionTables = {
  hub_content_revisions: {
    id: string;
    kind: string;
    item_id: string;
    /** The interface language the proposal was written in (documents hold every language). */
    locale: string;
    /** The version current when the proposal was made (0: the file). */
    base_version: number;
    base_hash: string;
    /** Hash of the file's item when the proposal was made: the overlay applies while it is unchanged. */
    file_hash: string;
    base_document: string;
    document: string;
    document_hash: string;
    /** The author's description of the change. */
    summary: string;
    author_id: string;
    created_at: string;
    status: string;
    version: number | null;
    reviewer_id: string | null;
    reviewed_at: string | null;
    /** The reviewer's note. */
    note: string | null;
  };
};

export const revisionMigrations: readonly Migration[] = [
  {
    id: '0001-content-revisions',
    async up(db) {
      await db.schema
        .createTable('hub_content_revisions')
        .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('kind', 'varchar(100)', (c) => c.notNull())
        .addColumn('item_id', 'varchar(200)', (c) => c.notNull())
        .addColumn('locale', 'varchar(10)', (c) => c.notNull())
        .addColumn('base_version', 'integer', (c) => c.notNull())
        .addColumn('base_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('file_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('base_document', 'text', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('document_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('author_id', 'varchar(36)', (c) => c.notNull().references('hub_users.id'))
        .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
        .addColumn('status', 'varchar(20)', (c) => c.notNull())
        .addColumn('version', 'integer')
        .addColumn('reviewer_id', 'varchar(36)', (c) => c.references('hub_users.id'))
        .addColumn('reviewed_at', 'varchar(30)')
        .addColumn('note', 'text')
        .execute();
      // One version number per item: the guard that makes concurrent publishing safe.
      await db.schema.createIndex('hub_content_revisions_version').unique().on('hub_content_revisions').columns(['kind', 'item_id', 'version']).execute();
      await db.schema.createIndex('hub_content_revisions_status').on('hub_content_revisions').columns(['status', 'created_at']).execute();
      await db.schema.createIndex('hub_content_revisions_item').on('hub_content_revisions').columns(['kind', 'item_id', 'status']).execute();
    },
  },
];

/** Limits: a document and the texts around it. */
export const REVISION_LIMITS = {
  /** A proposed document as JSON (the form body limit is 64 KiB). */
  documentBytesMax: 64 * 1024,
  summaryLengthMax: 500,
  noteLengthMax: 2000,
} as const;

/** How often a hub process looks for revisions published by other processes. */
export const DEFAULT_SYNC_INTERVAL_MS = 5_000;

export interface Revision {
  id: string;
  kind: string;
  itemId: string;
  locale: string;
  baseVersion: number;
  baseHash: string;
  fileHash: string;
  baseDocument: Record<string, unknown>;
  document: Record<string, unknown>;
  documentHash: string;
  summary: string;
  authorId: string;
  createdAt: string;
  status: RevisionStatus;
  version: number | null;
  reviewerId: string | null;
  reviewedAt: string | null;
  note: string | null;
}

type Row = RevisionTables['hub_content_revisions'];

function toRevision(row: Row): Revision {
  return {
    id: row.id,
    kind: row.kind,
    itemId: row.item_id,
    locale: row.locale,
    baseVersion: Number(row.base_version),
    baseHash: row.base_hash,
    fileHash: row.file_hash,
    baseDocument: JSON.parse(row.base_document) as Record<string, unknown>,
    document: JSON.parse(row.document) as Record<string, unknown>,
    documentHash: row.document_hash,
    summary: row.summary,
    authorId: row.author_id,
    createdAt: row.created_at,
    status: row.status as RevisionStatus,
    version: row.version === null ? null : Number(row.version),
    reviewerId: row.reviewer_id,
    reviewedAt: row.reviewed_at,
    note: row.note,
  };
}

/** JSON with object keys sorted at every level: one text per document, so one hash. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function documentHash(doc: unknown): string {
  return createHash('sha256').update(canonicalJson(doc)).digest('hex');
}

export type RevisionErrorCode =
  | 'REVISION_STALE'
  | 'REVISION_DECIDED'
  | 'REVISION_OWN'
  | 'REVISION_NOT_FOUND';

export class RevisionError extends DcbtError<RevisionErrorCode> {
  constructor(code: RevisionErrorCode, message: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super(code, message, details, cause === undefined ? undefined : { cause });
    this.name = 'RevisionError';
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The revisions table. No rules here beyond what the database itself guarantees. */
export class RevisionStore {
  readonly #db: Kysely<RevisionTables>;

  constructor(db: HubDb | Kysely<RevisionTables>) {
    this.#db = (db as HubDb).withTables<RevisionTables>();
  }

  get db(): Kysely<RevisionTables> {
    return this.#db;
  }

  async insert(revision: Revision, db: Kysely<RevisionTables> = this.#db): Promise<void> {
    await db
      .insertInto('hub_content_revisions')
      .values({
        id: revision.id,
        kind: revision.kind,
        item_id: revision.itemId,
        locale: revision.locale,
        base_version: revision.baseVersion,
        base_hash: revision.baseHash,
        file_hash: revision.fileHash,
        base_document: JSON.stringify(revision.baseDocument),
        document: JSON.stringify(revision.document),
        document_hash: revision.documentHash,
        summary: revision.summary,
        author_id: revision.authorId,
        created_at: revision.createdAt,
        status: revision.status,
        version: revision.version,
        reviewer_id: revision.reviewerId,
        reviewed_at: revision.reviewedAt,
        note: revision.note,
      })
      .execute();
  }

  async get(id: string, db: Kysely<RevisionTables> = this.#db): Promise<Revision | undefined> {
    const row = await db.selectFrom('hub_content_revisions').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toRevision(row);
  }

  /** The newest published revision of an item. */
  async head(kind: string, itemId: string, db: Kysely<RevisionTables> = this.#db): Promise<Revision | undefined> {
    const row = await db
      .selectFrom('hub_content_revisions')
      .selectAll()
      .where('kind', '=', kind)
      .where('item_id', '=', itemId)
      .where('status', '=', 'published')
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : toRevision(row);
  }

  /** The newest published revision of every item that has one. */
  async heads(): Promise<Revision[]> {
    const rows = await this.#db
      .selectFrom('hub_content_revisions as r')
      .selectAll('r')
      .where('r.status', '=', 'published')
      .where(({ eb, selectFrom }) =>
        eb(
          'r.version',
          '=',
          selectFrom('hub_content_revisions as x')
            .select((x) => x.fn.max('x.version').as('v'))
            .whereRef('x.kind', '=', 'r.kind')
            .whereRef('x.item_id', '=', 'r.item_id')
            .where('x.status', '=', 'published'),
        ),
      )
      .orderBy('r.kind')
      .orderBy('r.item_id')
      .execute();
    return rows.map(toRevision);
  }

  /** Changes whenever anything is published anywhere (published revisions are never removed). */
  async publishedCount(): Promise<number> {
    const row = await this.#db
      .selectFrom('hub_content_revisions')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('status', '=', 'published')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Proposals waiting for review among `kinds`, oldest first. */
  async proposed(kinds: readonly string[], options: { limit: number; offset: number }): Promise<{ total: number; revisions: Revision[] }> {
    if (kinds.length === 0) return { total: 0, revisions: [] };
    const query = this.#db.selectFrom('hub_content_revisions').where('status', '=', 'proposed').where('kind', 'in', [...kinds]);
    const total = Number((await query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await query.selectAll().orderBy('created_at').orderBy('id').limit(options.limit).offset(options.offset).execute();
    return { total, revisions: rows.map(toRevision) };
  }

  /** Proposals of one item waiting for review. */
  async proposedFor(kind: string, itemId: string): Promise<Revision[]> {
    const rows = await this.#db
      .selectFrom('hub_content_revisions')
      .selectAll()
      .where('kind', '=', kind)
      .where('item_id', '=', itemId)
      .where('status', '=', 'proposed')
      .orderBy('created_at')
      .execute();
    return rows.map(toRevision);
  }

  /** Published revisions of an item, newest first. */
  async history(kind: string, itemId: string, options: { limit: number; offset: number }): Promise<{ total: number; revisions: Revision[] }> {
    const query = this.#db.selectFrom('hub_content_revisions').where('kind', '=', kind).where('item_id', '=', itemId).where('status', '=', 'published');
    const total = Number((await query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await query.selectAll().orderBy('version', 'desc').limit(options.limit).offset(options.offset).execute();
    return { total, revisions: rows.map(toRevision) };
  }

  /**
   * Marks a proposal published as `version` with the final document. False when it is no longer
   * a proposal (someone decided first). Throws when the version is taken (the unique index).
   */
  async markPublished(
    id: string,
    input: { version: number; document: Record<string, unknown>; documentHash: string; reviewerId: string; reviewedAt: string; note: string },
    db: Kysely<RevisionTables> = this.#db,
  ): Promise<boolean> {
    const result = await db
      .updateTable('hub_content_revisions')
      .set({
        status: 'published',
        version: input.version,
        document: JSON.stringify(input.document),
        document_hash: input.documentHash,
        reviewer_id: input.reviewerId,
        reviewed_at: input.reviewedAt,
        note: input.note,
      })
      .where('id', '=', id)
      .where('status', '=', 'proposed')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Marks a proposal rejected; false when it is no longer a proposal. */
  async markRejected(id: string, input: { reviewerId: string; reviewedAt: string; note: string }): Promise<boolean> {
    const result = await this.#db
      .updateTable('hub_content_revisions')
      .set({ status: 'rejected', reviewer_id: input.reviewerId, reviewed_at: input.reviewedAt, note: input.note })
      .where('id', '=', id)
      .where('status', '=', 'proposed')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}

/** A kind that can be edited, with the module it belongs to. */
export interface EditableKind {
  module: string;
  kind: ContentKind<{ id: string }>;
  editing: KindEditing;
}

/** The document an item shows now, from its file and its newest published revision. */
export interface CurrentDocument {
  document: Record<string, unknown>;
  hash: string;
  /** The newest published version (0: none); the next one published is version + 1. */
  version: number;
  /** Where the document comes from: the file (no web edit, or the file changed since). */
  source: 'file' | 'revision' | 'file-newer';
  fileHash: string;
}

/**
 * The rule for "the published revision, when newer than the file": a revision overlays the
 * file while the file is still the one its chain of edits started from. A file equal to the
 * revision (the export merged back) shows the same document either way.
 */
export function currentDocument(kind: ContentKind<{ id: string }>, fileItem: { id: string }, head: Revision | undefined): CurrentDocument {
  const file = fileItem as Record<string, unknown> & { id: string };
  const fileHash = documentHash(file);
  if (head === undefined) return { document: file, hash: fileHash, version: 0, source: 'file', fileHash };
  if (head.fileHash === fileHash || head.documentHash === fileHash) {
    const parsed = kind.schema.safeParse(head.document);
    if (parsed.success) return { document: parsed.data as Record<string, unknown>, hash: head.documentHash, version: head.version ?? 0, source: 'revision', fileHash };
  }
  return { document: file, hash: fileHash, version: head.version ?? 0, source: 'file-newer', fileHash };
}

export type ProposeResult =
  | { ok: true; revision: Revision }
  | { ok: false; reason: 'invalid'; issues: DocumentIssue[] }
  | { ok: false; reason: 'stale'; current: CurrentDocument };

export interface ContentRevisionsOptions {
  db: HubDb;
  content: ContentStore;
  kinds: readonly EditableKind[];
  /** The modules' cross-checks (the same ones run at start-up). */
  checks: readonly ((store: ContentStore) => ContentCheckResult)[];
  /** Called after items of these modules changed in `content` (the search index is rebuilt). */
  onChange?: (modules: ReadonlySet<string>) => Promise<void>;
  now?: () => number;
  syncIntervalMs?: number;
  /** Told about published revisions that cannot be shown (no longer valid, file gone). */
  warn?: (message: string, details: Record<string, unknown>) => void;
}

/** The revisions facility: proposing, reviewing, and keeping `content` showing what is published. */
export class ContentRevisions {
  readonly store: RevisionStore;
  readonly #content: ContentStore;
  readonly #kinds = new Map<string, EditableKind>();
  readonly #checks: ContentRevisionsOptions['checks'];
  readonly #onChange: NonNullable<ContentRevisionsOptions['onChange']>;
  readonly #now: () => number;
  readonly #syncIntervalMs: number;
  readonly #warn: NonNullable<ContentRevisionsOptions['warn']>;
  #publishedSeen = -1;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #syncing: Promise<void> | undefined;

  constructor(options: ContentRevisionsOptions) {
    this.store = new RevisionStore(options.db);
    this.#content = options.content;
    for (const k of options.kinds) {
      if (k.kind.format === 'text') throw new Error(`content ${k.kind.id}: text files cannot be edited on the web`);
      const reserved = k.editing.fields.find((f) => f.key.startsWith('_'));
      if (reserved !== undefined) throw new Error(`content ${k.kind.id}: field "${reserved.key}" starts with "_", which the edit form keeps for its own fields`);
      this.#kinds.set(k.kind.id, k);
    }
    this.#checks = options.checks;
    this.#onChange = options.onChange ?? (async () => {});
    this.#now = options.now ?? Date.now;
    this.#syncIntervalMs = options.syncIntervalMs ?? DEFAULT_SYNC_INTERVAL_MS;
    this.#warn = options.warn ?? (() => {});
  }

  get kinds(): readonly EditableKind[] {
    return [...this.#kinds.values()];
  }

  kind(id: string): EditableKind | undefined {
    return this.#kinds.get(id);
  }

  /** The item's current document, read from the database (not from what this process shows). */
  async current(kindId: string, itemId: string, db?: Kysely<RevisionTables>): Promise<CurrentDocument | undefined> {
    const k = this.#kinds.get(kindId);
    const file = k === undefined ? undefined : this.#content.file(k.kind, itemId);
    if (k === undefined || file === undefined) return undefined;
    return currentDocument(k.kind, file, await this.store.head(kindId, itemId, db));
  }

  /**
   * Validates `input` (a whole document) as a new version of an item: the kind's schema, then the
   * cross-checks with the document in place. A web edit may not add a cross-check problem of any
   * kind to its own item, warnings included (a link to a term that does not exist): the web has
   * no way to add the missing item in the same change.
   */
  validate(kindId: string, itemId: string, input: unknown): { ok: true; document: Record<string, unknown> } | { ok: false; issues: DocumentIssue[] } {
    const k = this.#kinds.get(kindId);
    if (k === undefined) throw new RevisionError('REVISION_NOT_FOUND', `content kind ${kindId} cannot be edited`, { kind: kindId });
    const parsed = k.kind.schema.safeParse(input);
    if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error.issues as unknown as Record<string, unknown>[]) };
    const document = parsed.data as Record<string, unknown> & { id: string };
    if (document.id !== itemId) return { ok: false, issues: [{ path: ['id'], code: 'custom', message: `must stay "${itemId}"` }] };
    if (Buffer.byteLength(JSON.stringify(document)) > REVISION_LIMITS.documentBytesMax) {
      return { ok: false, issues: [{ path: [], code: 'too_big', origin: 'document', maximum: REVISION_LIMITS.documentBytesMax, message: 'document too large' }] };
    }
    const file = contentFileName(k.kind, itemId);
    const before = new Set(this.#problems(this.#content, file));
    const trial = this.#content.copy();
    trial.replace(k.kind, document);
    const added = this.#problems(trial, file).filter((p) => !before.has(p));
    if (added.length > 0) {
      return {
        ok: false,
        issues: added.map((p) => {
          const issue = JSON.parse(p) as ContentIssue;
          return { path: parseField(issue.field), code: 'check', message: issue.reason };
        }),
      };
    }
    return { ok: true, document };
  }

  #problems(store: ContentStore, file: string): string[] {
    const out: string[] = [];
    for (const check of this.#checks) {
      const { errors, warnings } = check(store);
      for (const issue of [...errors, ...warnings]) if (issue.file === file) out.push(JSON.stringify({ file: issue.file, field: issue.field, reason: issue.reason }));
    }
    return out;
  }

  /** Stores a proposal, unless it is invalid (nothing stored) or made against a stale document. */
  async propose(input: { kind: string; itemId: string; input: unknown; baseHash: string; authorId: string; locale: string; summary: string }): Promise<ProposeResult> {
    const k = this.#kinds.get(input.kind);
    const current = await this.current(input.kind, input.itemId);
    if (k === undefined || current === undefined) throw new RevisionError('REVISION_NOT_FOUND', `no ${input.kind} item "${input.itemId}" to edit`, { kind: input.kind, id: input.itemId });
    const checked = this.validate(input.kind, input.itemId, input.input);
    if (!checked.ok) return { ok: false, reason: 'invalid', issues: checked.issues };
    if (input.baseHash !== current.hash) return { ok: false, reason: 'stale', current };
    const revision: Revision = {
      id: randomUUID(),
      kind: input.kind,
      itemId: input.itemId,
      locale: input.locale,
      baseVersion: current.version,
      baseHash: current.hash,
      fileHash: current.fileHash,
      baseDocument: current.document,
      document: checked.document,
      documentHash: documentHash(checked.document),
      summary: input.summary.slice(0, REVISION_LIMITS.summaryLengthMax),
      authorId: input.authorId,
      createdAt: iso(this.#now()),
      status: 'proposed',
      version: null,
      reviewerId: null,
      reviewedAt: null,
      note: null,
    };
    await this.store.insert(revision);
    return { ok: true, revision };
  }

  /**
   * Publishes a proposal. The reviewer must not be its author unless an admin (a second pair of
   * eyes on every change). Refused when the item changed since the proposal was made: the
   * proposal would silently undo that change.
   */
  async publish(id: string, reviewer: { id: string; admin: boolean }, note: string): Promise<Revision> {
    const proposal = await this.#decidable(id, reviewer);
    const k = this.#kinds.get(proposal.kind);
    if (k === undefined) throw new RevisionError('REVISION_NOT_FOUND', `content kind ${proposal.kind} cannot be edited`, { kind: proposal.kind });
    const now = this.#now();
    const published = await this.store.db.transaction().execute(async (trx) => {
      const current = await this.current(proposal.kind, proposal.itemId, trx);
      if (current === undefined) throw new RevisionError('REVISION_NOT_FOUND', `the item ${proposal.itemId} no longer exists`, { id: proposal.itemId });
      if (current.hash !== proposal.baseHash) {
        throw new RevisionError('REVISION_STALE', 'the item changed after this proposal was made; reject it and propose the change again on the current text', {
          id,
          version: current.version,
        });
      }
      let document = proposal.document;
      if (k.editing.reviewedKey !== undefined) document = { ...document, [k.editing.reviewedKey]: iso(now).slice(0, 10) };
      const version = current.version + 1;
      const hash = documentHash(document);
      let marked: boolean;
      try {
        marked = await this.store.markPublished(id, { version, document, documentHash: hash, reviewerId: reviewer.id, reviewedAt: iso(now), note: note.slice(0, REVISION_LIMITS.noteLengthMax) }, trx);
      } catch (error) {
        // The unique index on (kind, item, version): another process published this item first.
        throw new RevisionError('REVISION_STALE', 'another version of the item was published at the same moment; reload and review again', { id }, error);
      }
      if (!marked) throw new RevisionError('REVISION_DECIDED', 'this proposal has already been published or rejected', { id });
      return { ...proposal, status: 'published' as const, version, document, documentHash: hash, reviewerId: reviewer.id, reviewedAt: iso(now), note };
    });
    await this.#show(k, published.itemId);
    return published;
  }

  async reject(id: string, reviewer: { id: string; admin: boolean }, note: string): Promise<Revision> {
    const proposal = await this.#decidable(id, reviewer, { ownAllowed: true });
    const reviewedAt = iso(this.#now());
    const trimmed = note.slice(0, REVISION_LIMITS.noteLengthMax);
    if (!(await this.store.markRejected(id, { reviewerId: reviewer.id, reviewedAt, note: trimmed }))) {
      throw new RevisionError('REVISION_DECIDED', 'this proposal has already been published or rejected', { id });
    }
    return { ...proposal, status: 'rejected', reviewerId: reviewer.id, reviewedAt, note: trimmed };
  }

  async #decidable(id: string, reviewer: { id: string; admin: boolean }, options: { ownAllowed?: boolean } = {}): Promise<Revision> {
    const proposal = await this.store.get(id);
    if (proposal === undefined) throw new RevisionError('REVISION_NOT_FOUND', `no revision ${id}`, { id });
    if (proposal.status !== 'proposed') throw new RevisionError('REVISION_DECIDED', 'this proposal has already been published or rejected', { id, status: proposal.status });
    if (options.ownAllowed !== true && proposal.authorId === reviewer.id && !reviewer.admin) {
      throw new RevisionError('REVISION_OWN', 'authors cannot publish their own proposals; another reviewer must', { id });
    }
    return proposal;
  }

  /** Shows the item's current document in `content` and tells the owner module. */
  async #show(k: EditableKind, itemId: string): Promise<void> {
    const changed = this.#apply(k, itemId, await this.store.head(k.kind.id, itemId));
    if (changed) await this.#onChange(new Set([k.module]));
  }

  /** Puts the item's current document in `content`; true when what is shown changed. */
  #apply(k: EditableKind, itemId: string, head: Revision | undefined): boolean {
    const file = this.#content.file(k.kind, itemId);
    if (file === undefined) {
      this.#warn('a published revision has no file to overlay; it is not shown', { kind: k.kind.id, id: itemId });
      return false;
    }
    const current = currentDocument(k.kind, file, head);
    if (head !== undefined && current.source === 'file-newer') {
      const valid = k.kind.schema.safeParse(head.document).success;
      if (!valid) this.#warn('a published revision is no longer valid for its schema; the file is shown', { kind: k.kind.id, id: itemId, version: head.version });
    }
    const shown = this.#content.get(k.kind, itemId);
    if (shown !== undefined && documentHash(shown) === current.hash) return false;
    this.#content.replace(k.kind, current.document as { id: string });
    return true;
  }

  /** Applies every published revision (at start-up, and when another process published). */
  async load(): Promise<void> {
    this.#publishedSeen = await this.store.publishedCount();
    this.#checkedAt = this.#now();
    const changed = new Set<string>();
    for (const head of await this.store.heads()) {
      const k = this.#kinds.get(head.kind);
      if (k === undefined) {
        this.#warn('published revisions of a kind no module edits are ignored', { kind: head.kind, id: head.itemId });
        continue;
      }
      if (this.#apply(k, head.itemId, head)) changed.add(k.module);
    }
    if (changed.size > 0) await this.#onChange(changed);
  }

  /**
   * Picks up revisions other hub processes published: at most once per sync interval, one
   * count query; a full reload only when the count moved.
   */
  async sync(): Promise<void> {
    if (this.#now() - this.#checkedAt < this.#syncIntervalMs) return;
    if (this.#syncing !== undefined) return this.#syncing;
    this.#syncing = (async () => {
      try {
        this.#checkedAt = this.#now();
        if ((await this.store.publishedCount()) !== this.#publishedSeen) await this.load();
      } finally {
        this.#syncing = undefined;
      }
    })();
    return this.#syncing;
  }
}

/** "sources[1].url" → ["sources", 1, "url"] (the inverse of fieldOf in index.ts). */
export function parseField(field: string): PropertyKey[] {
  if (field.startsWith('(')) return [];
  const out: PropertyKey[] = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] === undefined ? (m[1] ?? '') : Number(m[2]));
  return out;
}
