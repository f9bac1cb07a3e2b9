/**
 * Chain demo: every edit re-checks the chain in the browser and shows each block's state; the
 * "Mine block n" buttons re-mine that block in place. The summary is announced when it changes.
 */
import { checkChain, remineBlock, webCryptoSha256, type BlockState, type ChainBlock } from '../demos/blocks.ts';
import { announce, announcedText, byId, canHash, format, nextFrame, readMessages, setState, type StateKind } from '../lib/dom.ts';

const CLIENT_CHAIN_ATTEMPTS_MAX = 2_000_000;
const KIND: Record<BlockState, StateKind> = { valid: 'ok', tampered: 'bad', unlinked: 'bad', orphaned: 'warn' };

const root = byId('demo-chain');
const form = root?.querySelector('form') ?? null;

if (root !== null && form !== null && canHash()) {
  const messages = readMessages(root);
  const difficulty = Number(root.dataset.difficulty ?? '3');
  const zeros = '0'.repeat(difficulty);
  const count = root.querySelectorAll('.chain-block').length;
  const field = <T extends HTMLElement>(kind: string, n: number) => byId<T>(`chain-${kind}-${n}`);
  let sequence = 0;
  let busy = false;

  const read = (): ChainBlock[] =>
    Array.from({ length: count }, (_, i) => ({
      data: field<HTMLTextAreaElement>('data', i + 1)?.value ?? '',
      nonce: Number.parseInt(field<HTMLInputElement>('nonce', i + 1)?.value ?? '0', 10) || 0,
      prev: field<HTMLInputElement>('prev-input', i + 1)?.value ?? '',
    }));

  const write = (blocks: readonly ChainBlock[]): void => {
    blocks.forEach((b, i) => {
      const nonce = field<HTMLInputElement>('nonce', i + 1);
      const prev = field<HTMLInputElement>('prev-input', i + 1);
      const shown = field('prev', i + 1);
      if (nonce !== null) nonce.value = String(b.nonce);
      if (prev !== null) prev.value = b.prev;
      if (shown !== null) shown.textContent = b.prev;
    });
  };

  /** Re-checks every block; returns the summary sentence and whether it was announced. */
  const refresh = async (prefix = '', announceAlways = false): Promise<void> => {
    const mine = ++sequence;
    const checked = await checkChain(read(), difficulty, webCryptoSha256);
    if (mine !== sequence) return;
    for (const b of checked) {
      const n = b.index + 1;
      const hash = field('hash', n);
      if (hash !== null) hash.textContent = b.hash;
      byId(`chain-block-${n}`)?.setAttribute('data-state', b.state);
      setState(field('state', n), KIND[b.state], format(messages, `chain.state.${b.state}`, { zeros, prev: String(b.index) }));
    }
    const first = checked.find((b) => b.state !== 'valid');
    const summary = first === undefined ? format(messages, 'chain.valid') : format(messages, 'chain.invalid', { n: String(first.index + 1) });
    const text = `${prefix}${summary}`;
    if (announceAlways || text !== announcedText()) announce(first === undefined ? 'ok' : 'bad', text);
  };

  const remine = async (index: number): Promise<void> => {
    if (busy) return;
    busy = true;
    const n = index + 1;
    const block = byId(`chain-block-${n}`);
    block?.setAttribute('aria-busy', 'true');
    setState(field('state', n), 'busy', format(messages, 'chain.mining', { n: String(n) }));
    const { blocks, result } = await remineBlock(read(), index, difficulty, webCryptoSha256, { attemptsMax: CLIENT_CHAIN_ATTEMPTS_MAX, progressEvery: 500, onProgress: nextFrame });
    write(blocks);
    block?.setAttribute('aria-busy', 'false');
    busy = false;
    const prefix = result.status === 'found' ? format(messages, 'chain.mined', { n: String(n), nonce: String(result.nonce) }) : format(messages, 'block.exhausted', { count: result.attempts });
    await refresh(`${prefix} `, true);
  };

  form.addEventListener('input', () => void refresh());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = event.submitter;
    if (button instanceof HTMLButtonElement && button.name === 'mine') void remine(Number(button.value));
    else void refresh('', true);
  });
}
