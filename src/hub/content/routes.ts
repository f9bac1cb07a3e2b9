/**
 * The editing pages (below /:locale), served by the core for every content kind that declares
 * `editing`:
 *
 *   <path>/edit/:id        the edit form (GET), propose a change (POST)       — edit permission
 *   <path>/history/:id     every published revision with its diff             — public
 *   /content/review        proposals waiting for review                        — review permission
 *   /content/revisions/:r  one revision with its diff (GET); publish or reject (POST)
 *
 * Item ids are the last path segment, so the pages of one kind form one family for crawlers
 * and the accessibility tests. Every form is a plain POST with a CSRF field and works without
 * JavaScript; results follow Post/Redirect/Get.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { html, type SafeHtml } from '../html.ts';
import { langAttrs, type Translator } from '../i18n/index.ts';
import type { CurrentUser, ModuleContext } from '../modules/types.ts';
import { diffDocuments } from './diff.ts';
import { BASE_FIELD, documentToForm, formToDocument, SUMMARY_FIELD, type DocumentIssue } from './editing.ts';
import { contentFileName, type ContentKind } from './index.ts';
import { REVISION_LIMITS, RevisionError, type ContentRevisions, type EditableKind, type Revision } from './revisions.ts';
import { controlErrors, editErrorSummary, editForm, renderDiff, renderTitle, titleOf, type ControlError } from './views.ts';

export const REVIEW_PATH = '/content/review';
export const REVISIONS_PATH = '/content/revisions';
const STYLES = ['editing.css'] as const;
const ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const REVIEW_PAGE_SIZE = 50;
const HISTORY_PAGE_SIZE = 20;

const PageQuery = z.object({ page: z.coerce.number().int().min(1).max(10_000).optional() });
const NOTICES = ['proposed', 'published', 'rejected'] as const;
const RevisionQuery = z.object({ notice: z.enum(NOTICES).optional() });

export const editPath = (k: EditableKind, id: string): string => `${k.editing.path}/edit/${id}`;
export const historyPath = (k: EditableKind, id: string): string => `${k.editing.path}/history/${id}`;
export const revisionPath = (id: string): string => `${REVISIONS_PATH}/${id}`;

/** Form bodies are flat string maps (app.ts parses urlencoded bodies); anything else is ignored. */
function formBody(request: FastifyRequest): Record<string, string> {
  const body = request.body;
  if (typeof body !== 'object' || body === null) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
  return out;
}

const isAdmin = (user: CurrentUser): boolean => user.role === 'admin';

function pagination(t: Translator, href: (path: string, q?: Record<string, string | number | undefined>) => string, path: string, pageNo: number, pages: number): SafeHtml | '' {
  if (pages <= 1) return '';
  return html`<nav class="pagination" aria-label="${t.text('core.pagination.label')}"><ul>
${pageNo > 1 ? html`<li><a href="${href(path, { page: pageNo - 1 })}" rel="prev">${t('core.pagination.previous')}</a></li>` : ''}
<li>${t('core.pagination.status', { page: pageNo, pages })}</li>
${pageNo < pages ? html`<li><a href="${href(path, { page: pageNo + 1 })}" rel="next">${t('core.pagination.next')}</a></li>` : ''}
</ul></nav>`;
}

function time(t: Translator, isoTime: string): SafeHtml {
  return html`<time datetime="${isoTime}">${t.date(isoTime.slice(0, 10))}</time>`;
}

/** The links shown on an item's page: History for everyone, Edit for those who may. */
export function contentLinks(ctx: ModuleContext, revisions: ContentRevisions, request: FastifyRequest, kind: ContentKind<{ id: string }>, id: string): SafeHtml {
  const k = revisions.kind(kind.id);
  if (k === undefined) return html``;
  const { t, href } = ctx.view(request);
  const doc = ctx.content.get(kind, id) as Record<string, unknown> | undefined;
  const title = doc === undefined ? id : titleOf(t, k.editing, doc).text;
  const hidden = html`<span class="visually-hidden"> — ${title}</span>`;
  const edit = ctx.user(request)?.can(k.editing.editPermission) === true ? html`<li><a href="${href(editPath(k, id))}">${t('content.links.edit')}${hidden}</a></li>` : '';
  return html`<ul class="edit-links"><li><a href="${href(historyPath(k, id))}">${t('content.links.history')}${hidden}</a></li>${edit}</ul>`;
}

export function registerContentRoutes(app: FastifyInstance, ctx: ModuleContext, revisions: ContentRevisions): void {
  const { store } = revisions;

  const itemCrumbs = (t: Translator, k: EditableKind, id: string, doc: Record<string, unknown>) => {
    const title = renderTitle(t, k.editing, doc);
    const itemPath = k.editing.itemPath?.(id);
    return itemPath === undefined ? [{ label: title }] : [{ label: title, path: itemPath }];
  };

  // Edit form ---------------------------------------------------------------------------------

  const editPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    k: EditableKind,
    id: string,
    state: { values: Record<string, string>; base: string; summary: string; errors: ControlError[]; status: number; stale?: { doc: Record<string, unknown>; version: number; mine: Record<string, unknown> } },
  ) => {
    const { t, href } = ctx.view(request);
    const user = ctx.user(request);
    const current = ctx.content.get(k.kind, id) as Record<string, unknown>;
    const title = titleOf(t, k.editing, current);
    const pending = await store.proposedFor(k.kind.id, id);
    const canReview = user?.can(k.editing.reviewPermission) === true;
    const waiting =
      pending.length === 0
        ? ''
        : html`<div class="notice"><p>${t('content.edit.pending', { count: pending.length })}</p>
${canReview ? html`<ul>${pending.map((p) => html`<li><a href="${href(revisionPath(p.id))}">${t('content.edit.pendingLink', { date: t.date(p.createdAt.slice(0, 10)) })}</a></li>`)}</ul>` : ''}</div>`;
    const stale =
      state.stale === undefined
        ? ''
        : html`<div class="notice warning" role="alert"><h2>${t('content.edit.staleTitle')}</h2>
<p>${t('content.edit.staleText', { version: state.stale.version })}</p>
<details><summary>${t('content.edit.staleDiff')}</summary>${renderDiff(t, k.editing, diffDocuments(state.stale.doc, state.stale.mine), 3)}</details></div>`;
    const heading = html`${t('content.edit.heading')} <span${langAttrs(title.lang, t.locale)}>${title.text}</span>`;
    return ctx.page(request, reply, {
      status: state.status,
      title: state.errors.length === 0 ? t.text('content.edit.title', { title: title.text }) : t.text('account.error.title', { title: t.text('content.edit.title', { title: title.text }) }),
      heading,
      breadcrumbs: [...itemCrumbs(t, k, id, current), { label: t.text('content.edit.crumb') }],
      styles: STYLES,
      // The error summary comes first, so it is the first thing read after the heading.
      body: html`${editErrorSummary(t, state.errors)}${stale}
<p>${t('content.edit.intro')}</p>
<ul class="edit-links"><li><a href="${href(historyPath(k, id))}">${t('content.links.history')}</a></li>${canReview ? html`<li><a href="${href(REVIEW_PATH)}">${t('content.nav.review')}</a></li>` : ''}</ul>
${waiting}
${editForm(t, { action: href(editPath(k, id)), csrfField: ctx.csrfField(request, reply), editing: k.editing, values: state.values, base: state.base, summary: state.summary, errors: state.errors })}`,
    });
  };

  for (const k of revisions.kinds) {
    app.get<{ Params: { id: string } }>(`${k.editing.path}/edit/:id`, async (request, reply) => {
      const user = ctx.requirePermission(request, reply, k.editing.editPermission);
      if (user === undefined) return reply;
      const { id } = request.params;
      const current = ID.test(id) ? await revisions.current(k.kind.id, id) : undefined;
      if (current === undefined) return ctx.notFound(request, reply);
      return editPage(request, reply, k, id, { values: documentToForm(k.editing, current.document), base: current.hash, summary: '', errors: [], status: 200 });
    });

    app.post<{ Params: { id: string } }>(`${k.editing.path}/edit/:id`, async (request, reply) => {
      const user = ctx.requirePermission(request, reply, k.editing.editPermission);
      if (user === undefined) return reply;
      const { id } = request.params;
      const current = ID.test(id) ? await revisions.current(k.kind.id, id) : undefined;
      if (current === undefined) return ctx.notFound(request, reply);
      const { t, locale, href } = ctx.view(request);
      const form = formBody(request);
      const summary = (form[SUMMARY_FIELD] ?? '').trim().slice(0, REVISION_LIMITS.summaryLengthMax);
      const base = form[BASE_FIELD] ?? '';
      const values: Record<string, string> = {};
      // Names starting with "_" are the form's own (CSRF, base, summary); documents never use them.
      for (const [name, value] of Object.entries(form)) if (!name.startsWith('_')) values[name] = value;
      const { document, issues: formIssues } = formToDocument(k.editing, current.document, form);
      const checked = revisions.validate(k.kind.id, id, document);
      const issues: DocumentIssue[] = [...formIssues, ...(checked.ok ? [] : checked.issues)];
      if (issues.length > 0) {
        return editPage(request, reply, k, id, { values, base, summary, errors: controlErrors(t, k.editing, issues), status: 400 });
      }
      const result = await revisions.propose({ kind: k.kind.id, itemId: id, input: document, baseHash: base, authorId: user.id, locale, summary });
      if (!result.ok) {
        if (result.reason === 'invalid') return editPage(request, reply, k, id, { values, base, summary, errors: controlErrors(t, k.editing, result.issues), status: 400 });
        // Stale: keep the editor's text, and base the form on the current version so that
        // proposing again (after comparing) is a deliberate act on up-to-date text.
        return editPage(request, reply, k, id, {
          values,
          base: result.current.hash,
          summary,
          errors: [],
          status: 409,
          stale: { doc: result.current.document, version: result.current.version, mine: document },
        });
      }
      request.log.info({ revision: result.revision.id, kind: k.kind.id, id, author: user.id }, 'content change proposed');
      return reply.redirect(href(revisionPath(result.revision.id), { notice: 'proposed' }), 303);
    });

    // History ---------------------------------------------------------------------------------

    app.get<{ Params: { id: string } }>(`${k.editing.path}/history/:id`, async (request, reply) => {
      const { id } = request.params;
      const shown = ID.test(id) ? (ctx.content.get(k.kind, id) as Record<string, unknown> | undefined) : undefined;
      if (shown === undefined) return ctx.notFound(request, reply);
      const query = ctx.query(PageQuery, request, reply);
      if (query === undefined) return reply;
      const { t, href } = ctx.view(request);
      const pageNo = query.page ?? 1;
      const { total, revisions: list } = await store.history(k.kind.id, id, { limit: HISTORY_PAGE_SIZE, offset: (pageNo - 1) * HISTORY_PAGE_SIZE });
      const pages = Math.max(1, Math.ceil(total / HISTORY_PAGE_SIZE));
      if (pageNo > pages) return ctx.notFound(request, reply);
      const current = await revisions.current(k.kind.id, id);
      const names = await ctx.userNames(list.flatMap((r) => [r.authorId, r.reviewerId ?? '']).filter((x) => x !== ''));
      const title = titleOf(t, k.editing, shown);
      const file = contentFileName(k.kind, id);
      const entries = list.map(
        (r) => html`<li>
<h2 id="version-${r.version ?? 0}">${t('content.history.version', { version: r.version ?? 0 })}</h2>
${revisionFacts(t, r, names)}
${renderDiff(t, k.editing, diffDocuments(r.baseDocument, r.document), 3)}
<p><a href="${href(revisionPath(r.id))}">${t('content.history.permalink', { version: r.version ?? 0 })}</a></p>
</li>`,
      );
      const newerFile = current?.source === 'file-newer' ? html`<div class="notice"><p>${t('content.history.fileNewer', { file })}</p></div>` : '';
      const canEdit = ctx.user(request)?.can(k.editing.editPermission) === true;
      const itemPath = k.editing.itemPath?.(id);
      return ctx.page(request, reply, {
        title: t.text('content.history.title', { title: title.text }),
        heading: html`${t('content.history.heading')} <span${langAttrs(title.lang, t.locale)}>${title.text}</span>`,
        breadcrumbs: [...itemCrumbs(t, k, id, shown), { label: t.text('content.history.crumb') }],
        styles: STYLES,
        body: html`<p>${t('content.history.intro')}</p>
<ul class="edit-links">${itemPath === undefined ? '' : html`<li><a href="${href(itemPath)}">${t('content.history.back')}</a></li>`}${canEdit ? html`<li><a href="${href(editPath(k, id))}">${t('content.links.edit')}</a></li>` : ''}</ul>
${newerFile}
<p role="status">${t('content.history.count', { count: total })}</p>
${total === 0 ? '' : html`<ol class="revisions" reversed>${entries}</ol>`}
${pagination(t, href, historyPath(k, id), pageNo, pages)}
<h2>${t('content.history.originTitle')}</h2>
<p>${t('content.history.origin', { file })}</p>`,
      });
    });
  }

  // Review queue ------------------------------------------------------------------------------

  app.get(REVIEW_PATH, async (request, reply) => {
    const first = revisions.kinds[0];
    if (first === undefined) return ctx.notFound(request, reply);
    const user = ctx.requireUser(request, reply);
    if (user === undefined) return reply;
    const reviewable = revisions.kinds.filter((k) => user.can(k.editing.reviewPermission));
    if (reviewable.length === 0) return ctx.requirePermission(request, reply, first.editing.reviewPermission) ?? reply;
    const query = ctx.query(PageQuery, request, reply);
    if (query === undefined) return reply;
    const { t, href } = ctx.view(request);
    const pageNo = query.page ?? 1;
    const { total, revisions: list } = await store.proposed(
      reviewable.map((k) => k.kind.id),
      { limit: REVIEW_PAGE_SIZE, offset: (pageNo - 1) * REVIEW_PAGE_SIZE },
    );
    const pages = Math.max(1, Math.ceil(total / REVIEW_PAGE_SIZE));
    const names = await ctx.userNames(list.map((r) => r.authorId));
    const items = await Promise.all(
      list.map(async (r) => {
        const k = revisions.kind(r.kind);
        if (k === undefined) return html``;
        const current = await revisions.current(r.kind, r.itemId);
        const stale = current !== undefined && current.hash !== r.baseHash;
        const title = titleOf(t, k.editing, r.document);
        return html`<li>
<p class="meta">${t(k.editing.kindKey)}</p>
<h2><a href="${href(revisionPath(r.id))}"><span${langAttrs(title.lang, t.locale)}>${title.text}</span></a></h2>
<p class="meta">${t('content.review.by')} <bdi>${names.get(r.authorId) ?? t.text('content.unknownUser')}</bdi>, ${time(t, r.createdAt)}${r.authorId === user.id ? html` · ${t('content.review.yours')}` : ''}</p>
${r.summary === '' ? '' : html`<p dir="auto">${r.summary}</p>`}
${stale ? html`<p><strong>${t('content.review.stale')}</strong></p>` : ''}
</li>`;
      }),
    );
    return ctx.page(request, reply, {
      title: t.text('content.review.title'),
      breadcrumbs: [{ label: t.text('content.review.title') }],
      styles: STYLES,
      body: html`<p>${t('content.review.intro')}</p>
<p role="status">${t('content.review.count', { count: total })}</p>
${total === 0 ? html`<p>${t('content.review.none')}</p>` : html`<ul class="items">${items}</ul>`}
${pagination(t, href, REVIEW_PATH, pageNo, pages)}`,
    });
  });

  // One revision ------------------------------------------------------------------------------

  /** The revision if this request may see it; otherwise the reply has been sent. */
  const visible = (request: FastifyRequest, reply: FastifyReply, revision: Revision | undefined, k: EditableKind | undefined): boolean => {
    if (revision === undefined || k === undefined) {
      ctx.notFound(request, reply);
      return false;
    }
    if (revision.status === 'published') return true;
    // Proposals and rejected ones: their author and the kind's reviewers.
    const user = ctx.requireUser(request, reply);
    if (user === undefined) return false;
    if (user.id === revision.authorId) return true;
    return ctx.requirePermission(request, reply, k.editing.reviewPermission) !== undefined;
  };

  const revisionPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    revision: Revision,
    k: EditableKind,
    state: { status: number; notice?: (typeof NOTICES)[number] | undefined; problem?: SafeHtml; noteError?: SafeHtml; note?: string },
  ) => {
    const { t, href } = ctx.view(request);
    const user = ctx.user(request);
    const names = await ctx.userNames([revision.authorId, revision.reviewerId ?? ''].filter((x) => x !== ''));
    const title = titleOf(t, k.editing, revision.document);
    const current = await revisions.current(revision.kind, revision.itemId);
    const stale = revision.status === 'proposed' && current !== undefined && current.hash !== revision.baseHash;
    const canReview = user?.can(k.editing.reviewPermission) === true && revision.status === 'proposed';
    const own = user !== undefined && user.id === revision.authorId;
    const mayPublish = canReview && (!own || isAdmin(user)) && !stale;
    const itemPath = k.editing.itemPath?.(revision.itemId);
    const notice =
      state.notice === undefined
        ? ''
        : html`<div class="notice notice-success" role="status"><p>${t(`content.notice.${state.notice}`)}</p>
${state.notice === 'published' && itemPath !== undefined ? html`<p><a href="${href(itemPath)}">${t('content.notice.seeItem')}</a></p>` : ''}</div>`;
    const noteHint = 'review-note-hint';
    const describedBy = state.noteError === undefined ? noteHint : `${noteHint} review-note-error`;
    const decisionForm = !canReview
      ? ''
      : html`<h2>${t('content.revision.decide')}</h2>
${own && !isAdmin(user) ? html`<p>${t('content.revision.ownRule')}</p>` : ''}
${stale ? html`<p>${t('content.revision.staleRule')}</p>` : ''}
<form class="form form-wide" method="post" action="${href(revisionPath(revision.id))}">
${ctx.csrfField(request, reply)}
<div class="field${state.noteError === undefined ? '' : ' field-error'}">
<label for="review-note">${t('content.revision.note')}</label>
<p class="hint" id="${noteHint}">${t('content.revision.noteHint')}</p>
${state.noteError === undefined ? '' : html`<p class="error-message" id="review-note-error">${state.noteError}</p>`}
<textarea id="review-note" name="note" rows="3" maxlength="${REVISION_LIMITS.noteLengthMax}" aria-describedby="${describedBy}"${state.noteError === undefined ? '' : html` aria-invalid="true"`}>
${state.note ?? ''}</textarea>
</div>
<div class="actions">
${mayPublish ? html`<button type="submit" name="decision" value="publish">${t('content.revision.publish')}</button>` : ''}
<button type="submit" name="decision" value="reject" class="button-secondary">${own ? t('content.revision.withdraw') : t('content.revision.reject')}</button>
</div>
</form>`;
    const heading =
      revision.status === 'published'
        ? html`${t('content.revision.headingPublished', { version: revision.version ?? 0 })} <span${langAttrs(title.lang, t.locale)}>${title.text}</span>`
        : html`${t('content.revision.heading')} <span${langAttrs(title.lang, t.locale)}>${title.text}</span>`;
    const problem = state.problem === undefined ? '' : html`<div class="error-summary" role="alert" tabindex="-1"><h2>${t('account.error.summary')}</h2><p>${state.problem}</p></div>`;
    const noteSummary =
      state.noteError === undefined
        ? ''
        : html`<div class="error-summary" role="alert" tabindex="-1"><h2>${t('account.error.summary')}</h2><ul><li><a href="#review-note">${state.noteError}</a></li></ul></div>`;
    return ctx.page(request, reply, {
      status: state.status,
      title:
        state.problem === undefined && state.noteError === undefined
          ? t.text('content.revision.title', { title: title.text })
          : t.text('account.error.title', { title: t.text('content.revision.title', { title: title.text }) }),
      heading,
      breadcrumbs: [...itemCrumbs(t, k, revision.itemId, revision.document), { label: t.text('content.revision.crumb') }],
      styles: STYLES,
      body: html`${problem}${noteSummary}${notice}
<dl class="facts">
<dt>${t('content.revision.kind')}</dt><dd>${t(k.editing.kindKey)}</dd>
<dt>${t('content.revision.status')}</dt><dd>${t(`content.status.${revision.status}`)}${revision.version === null ? '' : html` — ${t('content.history.version', { version: revision.version })}`}</dd>
</dl>
${revisionFacts(t, revision, names)}
${stale ? html`<div class="notice warning"><p>${t('content.review.stale')}</p></div>` : ''}
<h2>${t('content.revision.changes')}</h2>
${renderDiff(t, k.editing, diffDocuments(revision.baseDocument, revision.document), 3)}
${decisionForm}
<ul class="edit-links">
<li><a href="${href(historyPath(k, revision.itemId))}">${t('content.links.history')}</a></li>
${user?.can(k.editing.reviewPermission) === true ? html`<li><a href="${href(REVIEW_PATH)}">${t('content.nav.review')}</a></li>` : ''}
</ul>`,
    });
  };

  app.get<{ Params: { id: string } }>(`${REVISIONS_PATH}/:id`, async (request, reply) => {
    const query = ctx.query(RevisionQuery, request, reply);
    if (query === undefined) return reply;
    const revision = z.uuid().safeParse(request.params.id).success ? await store.get(request.params.id) : undefined;
    const k = revision === undefined ? undefined : revisions.kind(revision.kind);
    if (!visible(request, reply, revision, k) || revision === undefined || k === undefined) return reply;
    return revisionPage(request, reply, revision, k, { status: 200, notice: query.notice });
  });

  app.post<{ Params: { id: string } }>(`${REVISIONS_PATH}/:id`, async (request, reply) => {
    const revision = z.uuid().safeParse(request.params.id).success ? await store.get(request.params.id) : undefined;
    const k = revision === undefined ? undefined : revisions.kind(revision.kind);
    if (revision === undefined || k === undefined) return ctx.notFound(request, reply);
    const user = ctx.requirePermission(request, reply, k.editing.reviewPermission);
    if (user === undefined) return reply;
    const { t, href } = ctx.view(request);
    const form = formBody(request);
    const note = (form.note ?? '').trim().slice(0, REVISION_LIMITS.noteLengthMax);
    const decision = form.decision;
    if (decision !== 'publish' && decision !== 'reject') {
      return revisionPage(request, reply, revision, k, { status: 400, problem: t('content.revision.chooseDecision'), note });
    }
    if (decision === 'reject' && note === '') {
      return revisionPage(request, reply, revision, k, { status: 400, noteError: t('content.revision.noteRequired'), note });
    }
    try {
      const reviewer = { id: user.id, admin: isAdmin(user) };
      const done = decision === 'publish' ? await revisions.publish(revision.id, reviewer, note) : await revisions.reject(revision.id, reviewer, note);
      request.log.info({ revision: done.id, kind: done.kind, id: done.itemId, reviewer: user.id, status: done.status }, 'content revision decided');
      return reply.redirect(href(revisionPath(done.id), { notice: done.status === 'published' ? 'published' : 'rejected' }), 303);
    } catch (error) {
      if (!(error instanceof RevisionError)) throw error;
      const fresh = (await store.get(revision.id)) ?? revision;
      const status = error.code === 'REVISION_OWN' ? 403 : error.code === 'REVISION_NOT_FOUND' ? 404 : 409;
      const key = error.code === 'REVISION_OWN' ? 'own' : error.code === 'REVISION_STALE' ? 'stale' : error.code === 'REVISION_DECIDED' ? 'decided' : 'gone';
      return revisionPage(request, reply, fresh, k, { status, problem: t(`content.revision.error.${key}`), note });
    }
  });
}

/** Who proposed and who reviewed, when, and what they wrote. */
function revisionFacts(t: Translator, r: Revision, names: ReadonlyMap<string, string>): SafeHtml {
  const author = names.get(r.authorId) ?? t.text('content.unknownUser');
  const reviewer = r.reviewerId === null ? undefined : (names.get(r.reviewerId) ?? t.text('content.unknownUser'));
  return html`<dl class="facts meta">
<dt>${t('content.revision.author')}</dt><dd><bdi>${author}</bdi>, ${time(t, r.createdAt)}</dd>
${r.summary === '' ? '' : html`<dt>${t('content.revision.summary')}</dt><dd dir="auto">${r.summary}</dd>`}
${reviewer === undefined || r.reviewedAt === null ? '' : html`<dt>${r.status === 'published' ? t('content.revision.publishedBy') : t('content.revision.rejectedBy')}</dt><dd><bdi>${reviewer}</bdi>, ${time(t, r.reviewedAt)}</dd>`}
${r.note === null || r.note === '' ? '' : html`<dt>${t('content.revision.reviewNote')}</dt><dd dir="auto">${r.note}</dd>`}
</dl>`;
}
