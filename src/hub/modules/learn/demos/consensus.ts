/** Demo 4, nodes agreeing: a step-through of one height of BFT voting among four validators. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { quorum, scenarioSteps, SCENARIO_IDS, type Message, type NodeState, type ScenarioId, type Step, type Value } from '../../../client/demos/consensus.ts';
import { html, type SafeHtml } from '../../../html.ts';
import type { Translator } from '../../../i18n/index.ts';
import type { ModuleContext } from '../../types.ts';
import { demoPath, sendDemoPage, stateLine, statusRegion } from './common.ts';

const Query = z.object({
  scenario: z.enum(SCENARIO_IDS as [ScenarioId, ...ScenarioId[]]).optional(),
  step: z.coerce.number().int().min(0).max(100).optional(),
});

const K = 'learn.demos.consensus';

function valueText(t: Translator, value: Value): string {
  return value === 'nil' ? t.text(`${K}.nil`) : t.text(`${K}.block`, { value });
}

function tallyText(t: Translator, counts: Partial<Record<Value, number>>): string {
  const parts = (['X', 'Y', 'nil'] as const).filter((v) => (counts[v] ?? 0) > 0).map((v) => t.text(`${K}.tally`, { value: valueText(t, v), count: counts[v] ?? 0 }));
  return parts.length === 0 ? t.text(`${K}.none`) : new Intl.ListFormat(t.locale, { type: 'unit' }).format(parts);
}

/** What the step means, in words: the sentence announced and shown under the step title. */
export function narration(t: Translator, step: Step): SafeHtml {
  const n = step.nodes.length;
  const q = quorum(n);
  const liar = step.nodes.some((x) => x.fault === 'equivocate');
  const counts = (kind: Message['kind']) => {
    const out: Partial<Record<Value, number>> = {};
    for (const m of step.messages) if (m.kind === kind) out[m.value] = (out[m.value] ?? 0) + 1;
    return out;
  };
  switch (step.phase) {
    case 'start':
      return t(`${K}.say.start`, { quorum: q, count: n, round: step.round, proposer: step.proposer });
    case 'propose': {
      const proposal = step.messages[0];
      return proposal === undefined ? t(`${K}.say.proposeNone`, { proposer: step.proposer }) : t(`${K}.say.propose`, { proposer: step.proposer, round: step.round, value: proposal.value });
    }
    case 'prevote': {
      const timedOut = step.nodes.some((x) => x.timedOut);
      return html`${timedOut ? t(`${K}.say.prevoteNil`) : t(`${K}.say.prevote`)}${liar ? html` ${t(`${K}.say.liar`)}` : ''}`;
    }
    case 'precommit': {
      const prevotes = step.nodes.find((x) => x.fault === undefined)?.prevotes ?? {};
      const winner = (['X', 'Y'] as const).find((v) => (prevotes[v] ?? 0) >= q);
      return winner === undefined ? t(`${K}.say.precommitNil`, { quorum: q }) : t(`${K}.say.precommit`, { value: winner, count: prevotes[winner] ?? 0 });
    }
    case 'commit': {
      const value = step.decided ?? 'X';
      const precommits = step.nodes.find((x) => x.fault === undefined)?.precommits ?? counts('precommit');
      return t(`${K}.say.commit`, { value, count: precommits[value] ?? 0 });
    }
    case 'next-round':
      return t(`${K}.say.nextRound`, { round: step.round, next: step.round + 1 });
  }
}

function stepTitle(t: Translator, step: Step, total: number): string {
  return t.text(`${K}.stepOf`, { n: step.index + 1, total, phase: t.text(`${K}.phase.${step.phase}`), round: step.round });
}

function nodeCard(t: Translator, node: NodeState): SafeHtml {
  const sent = node.sent === undefined ? t(`${K}.sentNothing`) : t(`${K}.sent.${node.sent.kind}`, { value: node.sent.kind === 'proposal' ? node.sent.value : valueText(t, node.sent.value) });
  return html`<li class="node" data-fault="${node.fault ?? 'none'}" data-decided="${node.decided ?? 'none'}">
<h4>${t(`${K}.node`, { id: node.id })}</h4>
<ul class="node-facts">
${node.proposer ? html`<li>${stateLine('idle', t(`${K}.proposer`), { tag: 'span' })}</li>` : ''}
<li>${node.fault === undefined ? stateLine('ok', t(`${K}.honest`), { tag: 'span' }) : stateLine('warn', t(`${K}.fault.${node.fault}`), { tag: 'span' })}</li>
<li>${sent}</li>
${node.timedOut ? html`<li>${t(`${K}.timedOut`)}</li>` : ''}
${node.fault === undefined && Object.keys(node.prevotes).length > 0 ? html`<li>${t(`${K}.prevotes`, { tally: tallyText(t, node.prevotes) })}</li>` : ''}
${node.fault === undefined && Object.keys(node.precommits).length > 0 ? html`<li>${t(`${K}.precommits`, { tally: tallyText(t, node.precommits) })}</li>` : ''}
${node.locked === undefined || node.locked === 'nil' ? '' : html`<li>${t(`${K}.locked`, { value: node.locked })}</li>`}
${node.fault === undefined ? html`<li>${node.decided === undefined ? stateLine('idle', t(`${K}.undecided`), { tag: 'span' }) : stateLine('ok', t(`${K}.decided`, { value: node.decided }), { tag: 'span' })}</li>` : ''}
</ul>
</li>`;
}

const POSITIONS: readonly (readonly [number, number])[] = [
  [50, 40],
  [250, 40],
  [250, 160],
  [50, 160],
];

/** A picture of the step: nodes on a square, a line for each message. Decorative: the lists say it all. */
function diagram(step: Step): SafeHtml {
  const at = new Map(step.nodes.map((n, i) => [n.id, POSITIONS[i % POSITIONS.length]!]));
  const lines = step.messages.flatMap((m) => {
    const [x1, y1] = at.get(m.from)!;
    return step.nodes
      .filter((n) => n.id !== m.from)
      .map((n) => {
        const [x2, y2] = at.get(n.id)!;
        return html`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" class="msg msg-${m.kind} msg-${m.value === 'nil' ? 'nil' : m.value === 'Y' ? 'other' : 'block'}"></line>`;
      });
  });
  const nodes = step.nodes.map((n) => {
    const [x, y] = at.get(n.id)!;
    const mark = n.decided !== undefined ? '✓' : n.fault !== undefined ? '⚠' : '';
    return html`<g class="vnode vnode-${n.fault === undefined ? 'honest' : 'faulty'}${n.decided === undefined ? '' : ' vnode-decided'}">
<circle cx="${x}" cy="${y}" r="24"></circle>
<text x="${x}" y="${y + 6}" text-anchor="middle">${n.id}</text>
${mark === '' ? '' : html`<text x="${x + 24}" y="${y - 18}" class="vmark">${mark}</text>`}
</g>`;
  });
  return html`<svg class="consensus-diagram" viewBox="0 0 300 200" aria-hidden="true" focusable="false">${lines}${nodes}</svg>`;
}

export function consensusRoutes(app: FastifyInstance, ctx: ModuleContext): void {
  app.get(demoPath('consensus'), async (request, reply) => {
    const query = ctx.query(Query, request, reply);
    if (query === undefined) return reply;
    const { t, href } = ctx.view(request);
    const scenario = query.scenario ?? 'faulty-voter';
    const steps = scenarioSteps(scenario);
    const step = steps[Math.min(query.step ?? 0, steps.length - 1)]!;
    const total = steps.length;
    const title = stepTitle(t, step, total);
    const said = narration(t, step);
    const action = href(demoPath('consensus'));
    const options = SCENARIO_IDS.map((id) =>
      id === scenario ? html`<option value="${id}" selected>${t(`${K}.scenario.${id}`)}</option>` : html`<option value="${id}">${t(`${K}.scenario.${id}`)}</option>`,
    );
    const stepButton = (id: string, label: string, target: number, enabled: boolean) =>
      html`<button type="submit" name="step" value="${target}" id="${id}"${enabled ? '' : html` disabled`}>${label}</button>`;
    const messages =
      step.messages.length === 0
        ? html`<p>${t(`${K}.noMessages`)}</p>`
        : html`<ul class="messages">${step.messages.map((m) => html`<li>${t(`${K}.message.${m.kind}`, { from: m.from, value: m.kind === 'proposal' ? m.value : valueText(t, m.value) })}</li>`)}</ul>`;

    return sendDemoPage(ctx, request, reply, {
      id: 'consensus',
      body: html`<p class="lead">${t(`${K}.intro`)}</p>
<section class="demo" id="demo-consensus" aria-labelledby="demo-consensus-title">
<h2 id="demo-consensus-title" class="visually-hidden">${t(`${K}.title`)}</h2>
<form class="demo-form" method="get" action="${action}" id="consensus-scenario-form">
<div class="field-row">
<div class="field">
<label for="consensus-scenario">${t(`${K}.scenarioLabel`)}</label>
<select id="consensus-scenario" name="scenario">${options}</select>
</div>
<div class="actions"><button type="submit" name="step" value="0" id="consensus-show">${t(`${K}.show`)}</button></div>
</div>
</form>
<div id="consensus-view" data-scenario="${scenario}" data-step="${step.index}" data-steps="${total}">
<form class="demo-form stepper" method="get" action="${action}" id="consensus-step-form">
<input type="hidden" name="scenario" value="${scenario}">
<div class="actions">
${stepButton('consensus-previous', t.text(`${K}.previous`), step.index - 1, step.index > 0)}
${stepButton('consensus-next', t.text(`${K}.next`), step.index + 1, step.index < total - 1)}
${stepButton('consensus-restart', t.text(`${K}.restart`), 0, step.index > 0)}
</div>
</form>
<h3 id="consensus-step-title" class="step-title" tabindex="-1">${title}</h3>
<p class="narration">${said}</p>
${step.decided === undefined ? '' : stateLine('ok', t(`${K}.outcome`, { value: step.decided }))}
<div class="consensus-stage">
${diagram(step)}
<ol class="nodes">${step.nodes.map((n) => nodeCard(t, n))}</ol>
</div>
<h3>${t(`${K}.messages`)}</h3>
${messages}
<p class="meta">${t(`${K}.simplified`)}</p>
</div>
${statusRegion(step.decided === undefined ? 'idle' : 'ok', html`${title}. ${said}`)}
</section>`,
    });
  });
}

