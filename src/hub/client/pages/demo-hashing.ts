/** Hashing demo: the SHA-256 of the text follows typing (Web Crypto), without a page load. */
import { changedCharacters, webCryptoSha256 } from '../demos/blocks.ts';
import { announce, byId, canHash, format, readMessages } from '../lib/dom.ts';

const root = byId('demo-hashing');
const text = byId<HTMLTextAreaElement>('hash-text');
const output = byId<HTMLOutputElement>('hash-output');
const previous = byId<HTMLInputElement>('hash-previous');
const form = text?.form ?? null;

if (root !== null && text !== null && output !== null && previous !== null && form !== null && canHash()) {
  const messages = readMessages(root);
  let shown = output.textContent ?? '';
  let sequence = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const update = async (): Promise<void> => {
    const mine = ++sequence;
    const hash = await webCryptoSha256(text.value);
    // A later keystroke already started a newer hash: keep only the latest.
    if (mine !== sequence) return;
    const changed = changedCharacters(shown, hash);
    output.textContent = hash;
    previous.value = hash;
    announce('ok', changed === 0 ? format(messages, 'hashing.same') : format(messages, 'hashing.changed', { count: changed }));
    shown = hash;
  };

  // Announcing every keystroke would drown a screen reader: wait for a short pause.
  text.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void update(), 250);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(timer);
    void update();
  });
}
