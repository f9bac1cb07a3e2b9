/**
 * Registration demo. On the status page: fetches the page again every second and swaps the
 * progress in place until the registration has finished, announcing each new step. On the form:
 * one submission at a time.
 */
import { byId, swapRegion } from '../lib/dom.ts';

const REGION = 'register-progress';
const POLL_INTERVAL_MS = 1_000;
/** Polls at most this many times (the registration itself gives up after two minutes). */
const POLLS_MAX = 180;

async function poll(): Promise<void> {
  for (let i = 0; i < POLLS_MAX; i++) {
    const region = byId(REGION);
    if (region === null || region.dataset.final === 'true') return;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    const hadFocus = region.contains(document.activeElement);
    if (!(await swapRegion(window.location.href, REGION))) continue;
    // The focused control (Check progress) was replaced: keep the keyboard in the same place.
    if (hadFocus) byId('register-progress-title')?.focus();
  }
}

const form = byId<HTMLFormElement>('register-form');
if (form !== null) {
  let sent = false;
  form.addEventListener('submit', (event) => {
    if (sent) event.preventDefault();
    sent = true;
    byId('register-submit')?.setAttribute('aria-disabled', 'true');
  });
}

void poll();
