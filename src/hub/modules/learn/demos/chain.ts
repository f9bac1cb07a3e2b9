/** Demo 3, a chain: edit a block, watch the next link break, re-mine block by block to repair. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  CHAIN_DIFFICULTY,
  checkChain,
  DATA_LENGTH_MAX,
  NONCE_MAX,
  remineBlock,
  sampleChain,
  SAMPLE_CHAIN_DATA,
  type ChainBlock,
  type CheckedBlock,
  type MineResult,
} from '../../../client/demos/blocks.ts';
import { html, type SafeHtml } from '../../../html.ts';
import type { Translator } from '../../../i18n/index.ts';
import type { ModuleContext } from '../../types.ts';
import { SERVER_MINE_ATTEMPTS_MAX } from './block.ts';
import { clientMessages, demoPath, leadingZeros, sendDemoPage, serverSha256, stateLine, statusRegion, type StateKind } from './common.ts';

export const CHAIN_LENGTH = SAMPLE_CHAIN_DATA.length;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const nonce = z.coerce.number().int().min(0).max(NONCE_MAX);
const shape: Record<string, z.ZodType> = { mine: z.coerce.number().int().min(0).max(CHAIN_LENGTH - 1).optional() };
for (let i = 0; i < CHAIN_LENGTH; i++) {
  shape[`d${i}`] = z.string().max(DATA_LENGTH_MAX).optional();
  shape[`n${i}`] = nonce.optional();
  shape[`p${i}`] = hex64.optional();
}
const Query = z.object(shape).transform((q, c) => {
  const given = Array.from({ length: CHAIN_LENGTH }, (_, i) => [q[`d${i}`], q[`n${i}`], q[`p${i}`]]);
  const none = given.every((g) => g.every((v) => v === undefined));
  if (none) return { blocks: undefined, mine: q.mine as number | undefined };
  if (given.some((g) => g.some((v) => v === undefined))) {
    c.addIssue({ code: 'custom', message: 'every block needs data, nonce and previous hash' });
    return z.NEVER;
  }
  const blocks: ChainBlock[] = given.map(([data, n, prev]) => ({ data: data as string, nonce: n as number, prev: prev as string }));
  return { blocks, mine: q.mine as number | undefined };
});

let sample: Promise<ChainBlock[]> | undefined;
/** The starting chain, mined once per process (about 20,000 hashes). */
export function sampleBlocks(): Promise<ChainBlock[]> {
  sample ??= sampleChain(serverSha256, CHAIN_DIFFICULTY);
  return sample;
}

const STATE_KIND: Record<CheckedBlock['state'], StateKind> = { valid: 'ok', tampered: 'bad', unlinked: 'bad', orphaned: 'warn' };

export function blockStateText(t: Translator, block: CheckedBlock): SafeHtml {
  return t(`learn.demos.chain.state.${block.state}`, { zeros: leadingZeros(CHAIN_DIFFICULTY), prev: block.index });
}

export function chainSummary(t: Translator, checked: readonly CheckedBlock[]): { kind: StateKind; text: SafeHtml } {
  const first = checked.find((b) => b.state !== 'valid');
  return first === undefined ? { kind: 'ok', text: t('learn.demos.chain.valid') } : { kind: 'bad', text: t('learn.demos.chain.invalid', { n: first.index + 1 }) };
}

export function chainRoutes(app: FastifyInstance, ctx: ModuleContext): void {
  app.get(demoPath('chain'), async (request, reply) => {
    const query = ctx.query(Query, request, reply);
    if (query === undefined) return reply;
    const { t, href, locale } = ctx.view(request);
    let blocks = query.blocks ?? (await sampleBlocks());
    let mined: { index: number; result: MineResult } | undefined;
    if (query.mine !== undefined) {
      const out = await remineBlock(blocks, query.mine, CHAIN_DIFFICULTY, serverSha256, {
        attemptsMax: SERVER_MINE_ATTEMPTS_MAX,
        progressEvery: 5_000,
        onProgress: () => new Promise<void>((resolve) => setImmediate(resolve)),
      });
      blocks = out.blocks;
      mined = { index: query.mine, result: out.result };
    }
    const checked = await checkChain(blocks, CHAIN_DIFFICULTY, serverSha256);
    const summary = chainSummary(t, checked);
    const minedText =
      mined === undefined
        ? ''
        : mined.result.status === 'found'
          ? html`${t('learn.demos.chain.mined', { n: mined.index + 1, nonce: String(mined.result.nonce) })} `
          : html`${t('learn.demos.block.exhausted', { count: mined.result.attempts })} `;

    const items = checked.map((b) => {
      const n = b.index + 1;
      return html`<li class="chain-block" id="chain-block-${n}" data-state="${b.state}">
<fieldset>
<legend>${t('learn.demos.chain.block', { n })}</legend>
<div class="field">
<label for="chain-data-${n}">${t('learn.demos.chain.dataLabel', { n })}</label>
<textarea dir="auto" id="chain-data-${n}" name="d${b.index}" rows="2" maxlength="${DATA_LENGTH_MAX}" spellcheck="false">${b.data}</textarea>
</div>
<div class="field">
<label for="chain-nonce-${n}">${t('learn.demos.chain.nonceLabel', { n })}</label>
<input type="number" id="chain-nonce-${n}" name="n${b.index}" value="${b.nonce}" min="0" max="${NONCE_MAX}" step="1" inputmode="numeric">
</div>
<input type="hidden" name="p${b.index}" value="${b.prev}" id="chain-prev-input-${n}">
<p class="output-label" id="chain-prev-label-${n}">${t('learn.demos.chain.prevLabel', { n })}</p>
<output dir="ltr" aria-live="off" class="hash" id="chain-prev-${n}" aria-labelledby="chain-prev-label-${n}">${b.prev}</output>
<p class="output-label" id="chain-hash-label-${n}">${t('learn.demos.chain.hashLabel', { n })}</p>
<output dir="ltr" aria-live="off" class="hash" id="chain-hash-${n}" aria-labelledby="chain-hash-label-${n}">${b.hash}</output>
${stateLine(STATE_KIND[b.state], blockStateText(t, b), { id: `chain-state-${n}` })}
<div class="actions"><button type="submit" name="mine" value="${b.index}" id="chain-mine-${n}">${t('learn.demos.chain.mine', { n })}</button></div>
</fieldset>
</li>`;
    });

    const keys = ['valid', 'invalid', 'mining', 'mined', 'state.valid', 'state.tampered', 'state.unlinked', 'state.orphaned'].map((k) => `learn.demos.chain.${k}`);
    const messages = clientMessages(ctx, locale, [...keys, 'learn.demos.block.exhausted']);
    return sendDemoPage(ctx, request, reply, {
      id: 'chain',
      body: html`<p class="lead">${t('learn.demos.chain.intro')}</p>
<section class="demo" id="demo-chain" aria-labelledby="demo-chain-title" data-messages="${messages}" data-difficulty="${CHAIN_DIFFICULTY}">
<h2 id="demo-chain-title" class="visually-hidden">${t('learn.demos.chain.title')}</h2>
<form class="demo-form" method="get" action="${href(demoPath('chain'))}">
<p>${t('learn.demos.chain.difficulty', { zeros: leadingZeros(CHAIN_DIFFICULTY) })}</p>
<div class="actions">
<button type="submit" id="chain-check">${t('learn.demos.chain.check')}</button>
<a class="button-secondary" id="chain-reset" href="${href(demoPath('chain'))}">${t('learn.demos.chain.reset')}</a>
</div>
<ol class="chain">${items}</ol>
</form>
${statusRegion(summary.kind, html`${minedText}${summary.text}`)}
</section>`,
    });
  });
}
