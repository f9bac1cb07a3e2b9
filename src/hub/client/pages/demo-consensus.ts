/**
 * Consensus demo: the step buttons and the scenario form load the next step without a page
 * load (the server renders it, as it does without JavaScript); the step is announced, and the
 * keyboard stays on the button that was pressed.
 */
import { byId, formUrl, swapRegion } from '../lib/dom.ts';

const REGION = 'consensus-view';
let loading = false;

async function go(form: HTMLFormElement, submitter: HTMLElement | null): Promise<void> {
  if (loading) return;
  loading = true;
  const url = formUrl(form, submitter);
  const focusId = submitter?.id ?? '';
  const swapped = await swapRegion(url, REGION);
  loading = false;
  if (!swapped) {
    // Let the browser load the page the ordinary way.
    window.location.assign(url);
    return;
  }
  history.replaceState(null, '', url);
  const again = focusId === '' ? null : byId<HTMLButtonElement>(focusId);
  if (again !== null && !again.disabled) again.focus();
  else byId('consensus-step-title')?.focus();
}

document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || (form.id !== 'consensus-step-form' && form.id !== 'consensus-scenario-form')) return;
  event.preventDefault();
  void go(form, event.submitter);
});
