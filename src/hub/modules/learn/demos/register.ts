/**
 * Demo 5, a name registration on the devnet. Without JavaScript: the form POSTs, the answer is a
 * 303 to a status page with a "Check progress" button (no automatic reload). With JavaScript the
 * page script fetches the same status page every second and swaps the progress in place.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { html, type SafeHtml } from '../../../html.ts';
import type { Translator } from '../../../i18n/index.ts';
import type { ModuleContext } from '../../types.ts';
import { demoPath, sendDemoPage, stateLine, statusRegion, type StateKind } from './common.ts';
import { DemoRegistrar, demoError, JOB_STEPS, type DemoError, type DemoRegistration, type JobStep, type NodeInfo } from './registrar.ts';

const K = 'learn.demos.register';
const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
const NAME_INPUT_MAX = 256;

const Body = z.object({ name: z.string().max(NAME_INPUT_MAX), _csrf: z.string().optional() });

type RowState = 'done' | 'active' | 'waiting' | 'failed';
const ROW_KIND: Record<RowState, StateKind> = { done: 'ok', active: 'busy', waiting: 'idle', failed: 'bad' };

function shortId(hex: string): string {
  return `${hex.slice(0, 16)}…`;
}

/** The state of each step of a registration, for the list on the status page. */
export function stepStates(r: DemoRegistration): Record<JobStep | 'check', RowState> {
  const out = { check: 'done' } as Record<JobStep | 'check', RowState>;
  const current = r.step === 'failed' ? r.failedStep : r.step;
  const at = current === undefined ? -1 : JOB_STEPS.indexOf(current);
  JOB_STEPS.forEach((s, i) => {
    if (r.step === 'done' || i < at) out[s] = 'done';
    else if (i === at) out[s] = r.step === 'failed' ? 'failed' : 'active';
    else out[s] = 'waiting';
  });
  return out;
}

export function errorText(t: Translator, error: DemoError, fqdn: string): SafeHtml {
  const text = t(`${K}.error.${error.key}`, { fqdn, code: error.code, count: Number(error.params?.count ?? 0), ...error.params });
  // The rules' own explanation is English; it adds the precise reason for a refused name.
  return error.detail === undefined || error.key !== 'name' ? text : html`${text} <span lang="en" dir="ltr">${error.detail}</span>`;
}

/** The sentence for the live region: what is happening now, or how it ended. */
export function nowText(t: Translator, r: DemoRegistration): { kind: StateKind; text: SafeHtml } {
  if (r.step === 'done') return { kind: 'ok', text: t(`${K}.now.done`, { fqdn: r.fqdn }) };
  if (r.step === 'failed') return { kind: 'bad', text: html`${t(`${K}.now.failed`)}${r.error === undefined ? '' : html` ${errorText(t, r.error, r.fqdn)}`}` };
  return { kind: 'busy', text: t(`${K}.now.${r.step}`, { fqdn: r.fqdn }) };
}

function detail(t: Translator, r: DemoRegistration, step: JobStep | 'check', state: RowState): SafeHtml | '' {
  if (step === 'check') return t(`${K}.detail.free`, { fqdn: r.fqdn });
  if (step === 'commit' && r.commitHeight !== undefined && r.commitTx !== undefined) return t(`${K}.detail.commit`, { height: r.commitHeight, tx: shortId(r.commitTx) });
  if (step === 'wait' && state !== 'waiting' && r.tipHeight !== undefined && r.targetHeight !== undefined) return t(`${K}.detail.wait`, { height: r.tipHeight, target: r.targetHeight });
  if (step === 'register' && r.registerHeight !== undefined && r.registerTx !== undefined) return t(`${K}.detail.register`, { height: r.registerHeight, tx: shortId(r.registerTx) });
  if (step === 'resolve' && state === 'done') return t(`${K}.detail.resolve`, { fqdn: r.fqdn });
  if (state === 'active') return t(`${K}.now.${step}`, { fqdn: r.fqdn });
  return '';
}

export interface DnsServer {
  host: string;
  port: number;
}

/** Commands a visitor can run to see the name: dig at the node's DNS server (when known), the CLI, curl. */
export function tryCommands(rpcUrl: string, dns: DnsServer | undefined, r: Pick<DemoRegistration, 'name' | 'fqdn'>): { dig: string | undefined; cli: string; curl: string } {
  const base = rpcUrl.replace(/\/+$/, '');
  return {
    dig: dns === undefined ? undefined : `dig @${dns.host} -p ${dns.port} ${r.fqdn.replace(/\.$/, '')} A +dnssec`,
    cli: `npx dcbt name show ${r.name} --rpc ${base}`,
    curl: `curl ${base}/v1/names/${encodeURIComponent(r.name)}`,
  };
}

function progressView(t: Translator, href: (p: string) => string, r: DemoRegistration, rpcUrl: string, dns: DnsServer | undefined): SafeHtml {
  const states = stepStates(r);
  const rows = (['check', ...JOB_STEPS] as const).map((step) => {
    const state = states[step];
    const title = step === 'check' ? t(`${K}.stepCheck`) : step === 'wait' ? t(`${K}.stepWait`, { count: r.commitMinBlocks }) : t(`${K}.step${step[0]!.toUpperCase()}${step.slice(1)}`);
    const more = detail(t, r, step, state);
    return html`<li class="reg-step" id="reg-step-${step}" data-state="${state}">
<p class="reg-step-title"><strong>${title}</strong></p>
${stateLine(ROW_KIND[state], t(`${K}.state.${state}`))}
${more === '' ? '' : html`<p class="meta">${more}</p>`}
</li>`;
  });
  const final = r.step === 'done' || r.step === 'failed';
  const result = r.result;
  const commands = tryCommands(rpcUrl, dns, r);
  return html`<div id="register-progress" data-final="${final ? 'true' : 'false'}">
<h2 id="register-progress-title" tabindex="-1">${t(`${K}.progress`)}</h2>
<ol class="reg-steps">${rows}</ol>
${final
  ? ''
  : html`<form method="get" action="${href(`${demoPath('register')}/${r.id}`)}" class="demo-form" id="register-check-form">
<p class="hint" id="register-check-hint">${t(`${K}.checkHint`)}</p>
<div class="actions"><button type="submit" id="register-check" aria-describedby="register-check-hint">${t(`${K}.check`)}</button></div>
</form>`}
${result === undefined
  ? ''
  : html`<h2>${t(`${K}.record`)}</h2>
<dl class="facts">
<dt>${t('learn.demos.register.nameLabel')}</dt><dd dir="ltr"><code>${result.fqdn}</code></dd>
<dt>${t(`${K}.owner`)}</dt><dd dir="ltr"><code>${shortId(result.owner)}</code></dd>
<dt>${t(`${K}.height`)}</dt><dd>${t.number(result.registeredHeight)}</dd>
<dt>${t(`${K}.expires`)}</dt><dd><time datetime="${result.expiresAt}">${t.date(result.expiresAt.slice(0, 10))}</time></dd>
<dt>${t(`${K}.records`)}</dt><dd><ul class="records">${result.records.map((x) => html`<li><code>${x.host === '' ? '@' : x.host} ${x.type} ${x.value}</code></li>`)}</ul></dd>
</dl>
<h2>${t(`${K}.try`)}</h2>
${commands.dig === undefined ? '' : html`<p>${t(`${K}.tryDig`)}</p>
<pre dir="ltr"><code id="register-dig">${commands.dig}</code></pre>`}
<p>${t(`${K}.tryCli`)}</p>
<pre dir="ltr"><code>${commands.cli}</code></pre>
<p>${t(`${K}.tryRpc`)}</p>
<pre dir="ltr"><code>${commands.curl}</code></pre>`}
${final ? html`<p><a href="${href(demoPath('register'))}" id="register-another">${t(`${K}.another`)}</a></p>` : ''}
</div>`;
}

export function registerRoutes(app: FastifyInstance, ctx: ModuleContext): DemoRegistrar | undefined {
  const registrar = ctx.rpcUrl === undefined ? undefined : new DemoRegistrar({ db: ctx.db, rpcUrl: ctx.rpcUrl });
  if (registrar !== undefined) app.addHook('onClose', async () => registrar.close());

  const formPage = async (request: FastifyRequest, reply: FastifyReply, state: { name?: string; error?: DemoError; status?: number } = {}) => {
    const { t, href } = ctx.view(request);
    let node: NodeInfo | undefined;
    let unavailable: SafeHtml | undefined;
    if (registrar === undefined) unavailable = t(`${K}.disabled`);
    else {
      try {
        node = await registrar.node();
      } catch (error) {
        const e = demoError(error);
        unavailable = e.key === 'unreachable' ? t(`${K}.nodeDown`) : t(`${K}.error.${e.key}`, { code: e.code });
      }
    }
    const apex = node?.status.apex ?? 'dcbt.test.';
    const error = state.error;
    const nameError = error?.field === 'name';
    const errorMessage = error === undefined ? undefined : errorText(t, error, error.params?.fqdn === undefined ? `${state.name ?? ''}.${apex}` : String(error.params.fqdn));
    const form =
      node === undefined
        ? ''
        : html`<form class="demo-form" method="post" action="${href(demoPath('register'))}" id="register-form" novalidate>
${ctx.csrfField(request, reply)}
<div class="field">
<label for="register-name">${t(`${K}.nameLabel`)}</label>
<p class="hint" id="register-name-hint">${t(`${K}.nameHint`, { apex })}</p>
<input type="text" dir="auto" id="register-name" name="name" value="${state.name ?? ''}" maxlength="${NAME_INPUT_MAX}" autocomplete="off" autocapitalize="none" spellcheck="false" required aria-describedby="register-name-hint${nameError ? ' register-name-error' : ''}"${nameError ? html` aria-invalid="true"` : ''}>
${nameError && errorMessage !== undefined ? html`<p class="field-error" id="register-name-error">${stateLine('bad', errorMessage, { tag: 'span' })}</p>` : ''}
</div>
<div class="actions"><button type="submit" id="register-submit">${t(`${K}.submit`)}</button></div>
</form>`;
    const statusLine =
      errorMessage !== undefined
        ? statusRegion('bad', errorMessage)
        : node !== undefined
          ? statusRegion('ok', t(`${K}.node`, { chainId: node.status.chainId, apex: node.status.apex, height: node.status.height }))
          : statusRegion('warn', unavailable ?? '');
    return sendDemoPage(ctx, request, reply, {
      id: 'register',
      status: state.status,
      body: html`<p class="lead">${t(`${K}.intro`)}</p>
<p class="notice">${t(`${K}.wallet`)}</p>
<section class="demo" id="demo-register" aria-labelledby="demo-register-title">
<h2 id="demo-register-title" class="visually-hidden">${t(`${K}.title`)}</h2>
${form}
${statusLine}
</section>`,
    });
  };

  app.get(demoPath('register'), async (request, reply) => formPage(request, reply));

  app.post(demoPath('register'), async (request, reply) => {
    const parsed = Body.safeParse(request.body);
    if (!parsed.success) return formPage(request, reply, { status: 400, error: { key: 'empty', code: 'BAD_REQUEST', status: 400, field: 'name' } });
    const name = parsed.data.name.trim();
    if (registrar === undefined) return formPage(request, reply, { name, status: 503 });
    const started = await registrar.start(name, request.ip);
    if (!started.ok) return formPage(request, reply, { name, error: started.error, status: started.error.status });
    const { href } = ctx.view(request);
    return reply.redirect(href(`${demoPath('register')}/${started.id}`), 303);
  });

  app.get<{ Params: { id: string } }>(`${demoPath('register')}/:id`, async (request, reply) => {
    if (registrar === undefined || !ID_PATTERN.test(request.params.id)) return ctx.notFound(request, reply);
    const registration = await registrar.get(request.params.id);
    if (registration === undefined) return ctx.notFound(request, reply);
    const { t, href } = ctx.view(request);
    const now = nowText(t, registration);
    const title = t.text(`${K}.statusTitle`, { name: registration.fqdn.replace(/\.$/, '') });
    reply.header('cache-control', 'no-store');
    return sendDemoPage(ctx, request, reply, {
      id: 'register',
      title,
      crumbTitle: title,
      body: html`<section class="demo" id="demo-register" aria-labelledby="demo-register-title">
<h2 id="demo-register-title" class="visually-hidden">${title}</h2>
${progressView(t, href, registration, registrar.rpcUrl, ctx.dnsServer)}
${statusRegion(now.kind, now.text)}
</section>`,
    });
  });

  return registrar;
}
