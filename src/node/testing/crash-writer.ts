/**
 * Child process for the crash test: opens a node in argv[2] and writes blocks as fast as it can
 * (COMMITs of random commitments), printing "final <height>" after each block is stored. The
 * parent kills it with SIGKILL at a random moment.
 */
import { randomBytes } from 'node:crypto';
import { ensureDevnet } from '../devnet.ts';
import { ChainNode } from '../node.ts';
import { buildTx } from '../../chain/tx.ts';
import { generateKeyPair } from '../../chain/crypto.ts';
import { TxType } from '../../chain/types.ts';

const dataDir = process.argv[2]!;
const devnet = await ensureDevnet(dataDir, { powBits: 2 });
const node = await ChainNode.open({ dataDir, genesis: devnet.genesis, validatorKey: devnet.validatorKey });
const key = generateKeyPair();
let nonce = 0;
for (;;) {
  for (let i = 0; i < 20; i++) {
    const tx = buildTx({ chainId: devnet.genesis.chainId, account: key.publicKey, nonce: nonce++, payload: { type: TxType.COMMIT, commitment: new Uint8Array(randomBytes(32)) } }, key, devnet.genesis.params.powBits);
    await node.submitTx(tx);
  }
  const block = await node.produceBlock();
  if (block) process.stdout.write(`final ${block.header.height}\n`);
}
