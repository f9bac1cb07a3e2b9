/** Demo 1, hashing: text in, SHA-256 out; the server computes it when JavaScript is off. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { changedCharacters, TEXT_LENGTH_MAX } from '../../../client/demos/blocks.ts';
import { html } from '../../../html.ts';
import type { ModuleContext } from '../../types.ts';
import { clientMessages, demoPath, sendDemoPage, serverSha256, statusRegion } from './common.ts';

const Query = z.object({
  text: z.string().max(TEXT_LENGTH_MAX).optional(),
  previous: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional()
    .or(z.literal('').transform(() => undefined)),
});

export function hashingRoutes(app: FastifyInstance, ctx: ModuleContext): void {
  app.get(demoPath('hashing'), async (request, reply) => {
    const query = ctx.query(Query, request, reply);
    if (query === undefined) return reply;
    const { t, href, locale } = ctx.view(request);
    const text = query.text ?? t.text('learn.demos.hashing.sample');
    const hash = await serverSha256(text);
    const status =
      query.previous === undefined
        ? t('learn.demos.hashing.ready')
        : query.previous === hash
          ? t('learn.demos.hashing.same')
          : t('learn.demos.hashing.changed', { count: changedCharacters(query.previous, hash) });
    const messages = clientMessages(ctx, locale, ['learn.demos.hashing.changed', 'learn.demos.hashing.same', 'learn.demos.hashing.ready']);
    return sendDemoPage(ctx, request, reply, {
      id: 'hashing',
      body: html`<p class="lead">${t('learn.demos.hashing.intro')}</p>
<section class="demo" id="demo-hashing" aria-labelledby="demo-hashing-title" data-messages="${messages}">
<h2 id="demo-hashing-title" class="visually-hidden">${t('learn.demos.hashing.title')}</h2>
<form class="demo-form" method="get" action="${href(demoPath('hashing'))}">
<div class="field">
<label for="hash-text">${t('learn.demos.hashing.textLabel')}</label>
<p class="hint" id="hash-text-hint">${t('learn.demos.hashing.textHint', { max: TEXT_LENGTH_MAX })}</p>
<textarea dir="auto" id="hash-text" name="text" rows="3" maxlength="${TEXT_LENGTH_MAX}" aria-describedby="hash-text-hint" spellcheck="false">${text}</textarea>
</div>
<input type="hidden" name="previous" value="${hash}" id="hash-previous">
<div class="actions"><button type="submit" id="hash-compute">${t('learn.demos.hashing.compute')}</button></div>
</form>
<div class="demo-result">
<p class="output-label" id="hash-output-label">${t('learn.demos.hashing.outputLabel')}</p>
<output dir="ltr" aria-live="off" class="hash" id="hash-output" for="hash-text" aria-labelledby="hash-output-label">${hash}</output>
</div>
${statusRegion('ok', status)}
</section>`,
    });
  });
}
