/**
 * Block demo: the hash follows every field; Mine searches nonces in the browser with progress
 * and a Cancel button, bounded by data-attempts-max.
 */
import { blockHash, blockText, expectedAttempts, meetsDifficulty, mine, webCryptoSha256 } from '../demos/blocks.ts';
import { announce, byId, canHash, format, nextFrame, readMessages, setState } from '../lib/dom.ts';

const root = byId('demo-block');
const prev = byId<HTMLInputElement>('block-prev');
const data = byId<HTMLTextAreaElement>('block-data');
const nonce = byId<HTMLInputElement>('block-nonce');
const difficulty = byId<HTMLSelectElement>('block-difficulty');
const compute = byId<HTMLButtonElement>('block-compute');
const mineButton = byId<HTMLButtonElement>('block-mine');
const cancel = byId<HTMLButtonElement>('block-cancel');
const output = byId<HTMLOutputElement>('block-hash');
const seal = byId('block-seal');
const progress = byId('block-progress');
const hashed = byId('block-text');
const prevError = byId('block-prev-error');
const form = prev?.form ?? null;

if (
  root !== null && prev !== null && data !== null && nonce !== null && difficulty !== null && compute !== null && mineButton !== null &&
  cancel !== null && output !== null && progress !== null && hashed !== null && prevError !== null && form !== null && canHash()
) {
  const messages = readMessages(root);
  const attemptsMax = Number(root.dataset.attemptsMax ?? '1000000');
  let controller: AbortController | undefined;
  let sequence = 0;
  let wasSealed: boolean | undefined;

  const fields = () => ({ prev: prev.value.trim().toLowerCase(), data: data.value, nonce: Number.parseInt(nonce.value, 10) || 0, difficulty: Number(difficulty.value) });
  const prevValid = (value: string) => /^[0-9a-f]{64}$/.test(value);

  /** Recomputes the hash and the seal; announces only when the seal changes, not every keystroke. */
  const update = async (announceAlways = false): Promise<void> => {
    const mine = ++sequence;
    const f = fields();
    const valid = prevValid(f.prev);
    if (valid) prev.removeAttribute('aria-invalid');
    else prev.setAttribute('aria-invalid', 'true');
    prevError.hidden = valid;
    const hash = await blockHash(f, webCryptoSha256);
    if (mine !== sequence) return;
    output.textContent = hash;
    hashed.textContent = blockText(f);
    const zeros = '0'.repeat(f.difficulty);
    const sealed = valid && meetsDifficulty(hash, f.difficulty);
    const text = sealed ? format(messages, 'block.sealed', { zeros }) : format(messages, 'block.notSealed', { zeros });
    setState(seal, sealed ? 'ok' : 'bad', text);
    if (!valid) announce('bad', format(messages, 'fieldError', { field: format(messages, 'block.prevLabel') }));
    else if (announceAlways || sealed !== wasSealed) announce(sealed ? 'ok' : 'bad', text);
    wasSealed = sealed;
  };

  const setMining = (on: boolean): void => {
    for (const el of [prev, data, nonce, difficulty]) el.toggleAttribute('readonly', on);
    difficulty.disabled = on;
    compute.disabled = on;
    mineButton.disabled = on;
    cancel.hidden = !on;
    root.setAttribute('aria-busy', on ? 'true' : 'false');
  };

  const start = async (): Promise<void> => {
    const f = fields();
    if (!prevValid(f.prev)) {
      await update(true);
      prev.focus();
      return;
    }
    controller = new AbortController();
    setMining(true);
    // Mine is now disabled: keep the keyboard on the button that stops the search.
    cancel.focus();
    const expected = expectedAttempts(f.difficulty);
    announce('busy', format(messages, 'block.mining', { nonce: String(f.nonce) }));
    progress.hidden = false;
    progress.textContent = format(messages, 'block.progress', { tried: 0, expected });
    const result = await mine({ prev: f.prev, data: f.data }, webCryptoSha256, {
      difficulty: f.difficulty,
      startNonce: f.nonce,
      attemptsMax,
      signal: controller.signal,
      progressEvery: 500,
      onProgress: async (p) => {
        progress.textContent = format(messages, 'block.progress', { tried: p.attempts, expected });
        nonce.value = String(p.nonce);
        await nextFrame();
      },
    });
    nonce.value = String(result.nonce);
    progress.textContent = format(messages, 'block.progress', { tried: result.attempts, expected });
    setMining(false);
    mineButton.focus();
    await update();
    const key = result.status === 'found' ? 'block.found' : result.status === 'cancelled' ? 'block.cancelled' : 'block.exhausted';
    announce(result.status === 'found' ? 'ok' : 'bad', format(messages, key, { nonce: String(result.nonce), count: result.attempts }));
    controller = undefined;
  };

  for (const el of [prev, data, nonce, difficulty]) el.addEventListener('input', () => void update());
  cancel.addEventListener('click', () => controller?.abort());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (controller !== undefined) return;
    if (event.submitter === mineButton) void start();
    else void update(true);
  });
  root.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && controller !== undefined) controller.abort();
  });
}
