/**
 * Exporting published web edits as content files, so that they flow back into the repository:
 * each item whose shown document comes from a published revision is written as its file
 * (YAML, or Markdown with front matter) under the same path as in content/. Copy the folder
 * over content/ in a branch, run the content tests, and merge like any other change. Once the
 * files carry the revisions, the hub shows the files (same text), and later web edits start
 * from them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { contentFileName, serializeContent, type ContentStore } from './index.ts';
import { currentDocument, RevisionStore, type EditableKind } from './revisions.ts';
import type { HubDb } from '../db/index.ts';

export interface ExportedFile {
  /** Relative to the export folder, as in content/: `glossary/block.yaml`. */
  file: string;
  kind: string;
  id: string;
  version: number;
  reviewedAt: string | null;
}

export interface ExportResult {
  written: ExportedFile[];
  /** Items with published revisions that were not written, and why. */
  skipped: { file: string; reason: 'same-as-file' | 'file-newer' | 'no-file' | 'not-editable' }[];
}

/** Writes every published revision still shown in place of its file into `outDir`. */
export async function exportRevisions(options: { db: HubDb; content: ContentStore; kinds: readonly EditableKind[]; outDir: string }): Promise<ExportResult> {
  const store = new RevisionStore(options.db);
  const kinds = new Map(options.kinds.map((k) => [k.kind.id, k]));
  const out = resolve(options.outDir);
  const result: ExportResult = { written: [], skipped: [] };
  for (const head of await store.heads()) {
    const k = kinds.get(head.kind);
    if (k === undefined) {
      result.skipped.push({ file: `${head.kind}/${head.itemId}`, reason: 'not-editable' });
      continue;
    }
    const file = contentFileName(k.kind, head.itemId);
    const fileItem = options.content.file(k.kind, head.itemId);
    if (fileItem === undefined) {
      result.skipped.push({ file, reason: 'no-file' });
      continue;
    }
    const current = currentDocument(k.kind, fileItem, head);
    if (current.source === 'file-newer') {
      result.skipped.push({ file, reason: 'file-newer' });
      continue;
    }
    if (current.hash === current.fileHash) {
      result.skipped.push({ file, reason: 'same-as-file' });
      continue;
    }
    const target = join(out, file);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, serializeContent(k.kind, current.document as { id: string }));
    result.written.push({ file, kind: k.kind.id, id: head.itemId, version: current.version, reviewedAt: head.reviewedAt });
  }
  return result;
}
