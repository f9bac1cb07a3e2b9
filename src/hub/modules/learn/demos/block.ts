/** Demo 2, a block: previous hash + data + nonce → hash; mining searches a nonce for a difficulty. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { blockHash, blockText, DATA_LENGTH_MAX, DIFFICULTY_MAX, DIFFICULTY_MIN, expectedAttempts, meetsDifficulty, mine, NONCE_MAX, type MineResult } from '../../../client/demos/blocks.ts';
import { html, type SafeHtml } from '../../../html.ts';
import type { ModuleContext } from '../../types.ts';
import { clientMessages, demoPath, leadingZeros, sendDemoPage, serverSha256, stateLine, statusRegion, type StateKind } from './common.ts';

/**
 * Mining on the server (JavaScript off) stops after this many hashes: about 0.25 s of one core,
 * while difficulty 4 needs 65,536 on average. It yields to other requests every few thousand.
 */
export const SERVER_MINE_ATTEMPTS_MAX = 300_000;
const SERVER_MINE_YIELD_EVERY = 5_000;
/** The browser may search longer: the visitor sees progress and can cancel. */
export const CLIENT_MINE_ATTEMPTS_MAX = 5_000_000;

export const SAMPLE_PREV = serverSha256('DCBT demo: the previous block');
const SAMPLE_DATA = 'register alice.dcbt.test A 192.0.2.1';
const DEFAULT_DIFFICULTY = 3;

const Query = z.object({
  data: z.string().max(DATA_LENGTH_MAX).optional(),
  prev: z.string().max(200).optional(),
  nonce: z.coerce.number().int().min(0).max(NONCE_MAX).optional(),
  difficulty: z.coerce.number().int().min(DIFFICULTY_MIN).max(DIFFICULTY_MAX).optional(),
  action: z.enum(['hash', 'mine']).optional(),
});

export async function serverMine(prev: string, data: string, startNonce: number, difficulty: number): Promise<MineResult> {
  return mine({ prev, data }, serverSha256, {
    difficulty,
    startNonce,
    attemptsMax: SERVER_MINE_ATTEMPTS_MAX,
    progressEvery: SERVER_MINE_YIELD_EVERY,
    onProgress: () => new Promise<void>((resolve) => setImmediate(resolve)),
  });
}

export function blockRoutes(app: FastifyInstance, ctx: ModuleContext): void {
  app.get(demoPath('block'), async (request, reply) => {
    const query = ctx.query(Query, request, reply);
    if (query === undefined) return reply;
    const { t, href, locale } = ctx.view(request);
    const data = query.data ?? SAMPLE_DATA;
    const prevInput = (query.prev ?? SAMPLE_PREV).trim().toLowerCase();
    const prevValid = /^[0-9a-f]{64}$/.test(prevInput);
    const difficulty = query.difficulty ?? DEFAULT_DIFFICULTY;
    const zeros = leadingZeros(difficulty);
    let nonce = query.nonce ?? 0;

    let status: { kind: StateKind; text: SafeHtml };
    let result: MineResult | undefined;
    if (prevValid && query.action === 'mine') {
      result = await serverMine(prevInput, data, nonce, difficulty);
      nonce = result.nonce;
    }
    const hash = await blockHash({ prev: prevInput, data, nonce }, serverSha256);
    const sealed = prevValid && meetsDifficulty(hash, difficulty);
    const seal = sealed ? stateLine('ok', t('learn.demos.block.sealed', { zeros }), { id: 'block-seal' }) : stateLine('bad', t('learn.demos.block.notSealed', { zeros }), { id: 'block-seal' });
    if (!prevValid) status = { kind: 'bad', text: t('learn.demos.fieldError', { field: t.text('learn.demos.block.prevLabel') }) };
    else if (result?.status === 'found') status = { kind: 'ok', text: t('learn.demos.block.found', { nonce: String(result.nonce), count: result.attempts }) };
    else if (result !== undefined) status = { kind: 'bad', text: t('learn.demos.block.exhausted', { count: result.attempts }) };
    else status = sealed ? { kind: 'ok', text: t('learn.demos.block.sealed', { zeros }) } : { kind: 'bad', text: t('learn.demos.block.notSealed', { zeros }) };

    const options = Array.from({ length: DIFFICULTY_MAX - DIFFICULTY_MIN + 1 }, (_, i) => {
      const d = DIFFICULTY_MIN + i;
      const label = t.text('learn.demos.block.difficultyOption', { count: d, tries: expectedAttempts(d) });
      return d === difficulty ? html`<option value="${d}" selected>${label}</option>` : html`<option value="${d}">${label}</option>`;
    });
    const messages = clientMessages(ctx, locale, [
      'learn.demos.block.sealed',
      'learn.demos.block.notSealed',
      'learn.demos.block.mining',
      'learn.demos.block.progress',
      'learn.demos.block.found',
      'learn.demos.block.cancelled',
      'learn.demos.block.exhausted',
      'learn.demos.hexInvalid',
      'learn.demos.fieldError',
      'learn.demos.block.prevLabel',
    ]);

    return sendDemoPage(ctx, request, reply, {
      id: 'block',
      body: html`<p class="lead">${t('learn.demos.block.intro')}</p>
<section class="demo" id="demo-block" aria-labelledby="demo-block-title" data-messages="${messages}" data-attempts-max="${CLIENT_MINE_ATTEMPTS_MAX}">
<h2 id="demo-block-title" class="visually-hidden">${t('learn.demos.block.title')}</h2>
<form class="demo-form" method="get" action="${href(demoPath('block'))}">
<div class="field">
<label for="block-prev">${t('learn.demos.block.prevLabel')}</label>
<input type="text" dir="ltr" id="block-prev" name="prev" value="${prevInput}" class="hash-input" maxlength="64" spellcheck="false" autocomplete="off"${prevValid ? '' : html` aria-invalid="true"`} aria-describedby="block-prev-error">
<p class="field-error" id="block-prev-error"${prevValid ? html` hidden` : ''}>${stateLine('bad', t('learn.demos.hexInvalid'), { tag: 'span' })}</p>
</div>
<div class="field">
<label for="block-data">${t('learn.demos.block.dataLabel')}</label>
<textarea dir="auto" id="block-data" name="data" rows="2" maxlength="${DATA_LENGTH_MAX}" spellcheck="false">${data}</textarea>
</div>
<div class="field-row">
<div class="field">
<label for="block-nonce">${t('learn.demos.block.nonceLabel')}</label>
<input type="number" id="block-nonce" name="nonce" value="${nonce}" min="0" max="${NONCE_MAX}" step="1" inputmode="numeric">
</div>
<div class="field">
<label for="block-difficulty">${t('learn.demos.block.difficultyLabel')}</label>
<select id="block-difficulty" name="difficulty">${options}</select>
</div>
</div>
<div class="actions">
<button type="submit" name="action" value="hash" id="block-compute">${t('learn.demos.block.compute')}</button>
<button type="submit" name="action" value="mine" id="block-mine">${t('learn.demos.block.mine')}</button>
<button type="button" id="block-cancel" hidden>${t('learn.demos.block.cancel')}</button>
</div>
</form>
<div class="demo-result">
<p class="output-label" id="block-hash-label">${t('learn.demos.block.hashLabel')}</p>
<output dir="ltr" aria-live="off" class="hash" id="block-hash" for="block-prev block-data block-nonce" aria-labelledby="block-hash-label">${hash}</output>
${seal}
<p class="progress-text" id="block-progress" hidden></p>
<details class="hashed-text"><summary>${t('learn.demos.block.hashedText')}</summary>
<pre id="block-text" dir="ltr">${blockText({ prev: prevInput, data, nonce })}</pre>
</details>
</div>
${statusRegion(status.kind, status.text)}
</section>`,
    });
  });
}
