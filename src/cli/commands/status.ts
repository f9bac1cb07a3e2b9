import type { Command } from 'commander';
import { globalOptions, rpcClient } from '../global.ts';
import { Output } from '../output.ts';

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('show the node\'s chain: id, apex, height, last block')
    .action(async (_flags: unknown, cmd: Command) => {
      const opts = globalOptions(cmd);
      const s = await rpcClient(opts).status();
      new Output(opts).result(s, [`chain     ${s.chainId} (apex ${s.apex})`, `height    ${s.height}`, `tip       ${s.hash}`, `time      ${new Date(s.timeMs).toISOString()}`, `validator ${s.validator ? 'yes' : 'no'}`, `mempool   ${s.mempoolSize} waiting`].join('\n'));
    });
}
