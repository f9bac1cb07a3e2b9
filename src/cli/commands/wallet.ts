import type { Command } from 'commander';
import { toHex } from '../../chain/hash.ts';
import { globalOptions } from '../global.ts';
import { Output } from '../output.ts';
import { createWallet, loadWallet } from '../wallet-file.ts';

export function registerWalletCommands(program: Command): void {
  const wallet = program.command('wallet').description('your key: it signs your transactions and owns your names');
  wallet
    .command('new')
    .description('create a wallet file (mode 0600) with a new Ed25519 key')
    .option('--force', 'replace an existing wallet (names it owns would be lost)')
    .action(async (flags: { force?: boolean }, cmd: Command) => {
      const opts = globalOptions(cmd);
      const key = await createWallet(opts.wallet, flags);
      new Output(opts).result({ wallet: opts.wallet, publicKey: toHex(key.publicKey) }, `new wallet at ${opts.wallet}\npublic key ${toHex(key.publicKey)}\nKeep this file safe: whoever has it controls your names.`);
    });
  wallet
    .command('show')
    .description('print the wallet\'s public key')
    .action(async (_flags: unknown, cmd: Command) => {
      const opts = globalOptions(cmd);
      const key = await loadWallet(opts.wallet);
      new Output(opts).result({ wallet: opts.wallet, publicKey: toHex(key.publicKey) }, `wallet ${opts.wallet}\npublic key ${toHex(key.publicKey)}`);
    });
}
