/** `dcbt`: the one command line over the naming chain, its DNS and the hub. */
import { Command, CommanderError } from 'commander';
import { registerDnsCommands } from './commands/dns.ts';
import { registerHubCommand } from './commands/hub.ts';
import { registerNameCommands } from './commands/name.ts';
import { registerNodeCommand } from './commands/node.ts';
import { registerProofCommands } from './commands/proof.ts';
import { registerStartCommand } from './commands/start.ts';
import { registerStatusCommand } from './commands/status.ts';
import { registerTestnetCommand } from './commands/testnet.ts';
import { registerWalletCommands } from './commands/wallet.ts';
import { reportError } from './output.ts';

export function buildProgram(): Command {
  const program = new Command('dcbt')
    .description('DCBT — the naming chain and platform of the IGF Dynamic Coalition on Blockchain Technologies')
    .version('0.1.0')
    .option('--json', 'print results as JSON (one document on stdout)')
    .option('--rpc <url>', 'the node\'s RPC URL (default http://127.0.0.1:8645, or $DCBT_RPC)')
    .option('--wallet <file>', 'wallet file (default .dcbt/wallet.json, or $DCBT_WALLET)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerStartCommand(program);
  registerNodeCommand(program);
  registerTestnetCommand(program);
  registerWalletCommands(program);
  registerNameCommands(program);
  registerProofCommands(program);
  registerStatusCommand(program);
  registerDnsCommands(program);
  registerHubCommand(program);
  // Options given after a subcommand apply to it too: `dcbt name show x --json`.
  for (const cmd of program.commands) {
    cmd.enablePositionalOptions(false);
    for (const sub of cmd.commands) sub.option('--json', 'print results as JSON').option('--rpc <url>', 'the node\'s RPC URL').option('--wallet <file>', 'wallet file');
    if (cmd.commands.length === 0 && !cmd.options.some((o) => o.long === '--json')) cmd.option('--json', 'print results as JSON').option('--rpc <url>', 'the node\'s RPC URL').option('--wallet <file>', 'wallet file');
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    return reportError(error, argv.includes('--json'));
  }
}

if (import.meta.main) {
  const code = await main(process.argv);
  // `start` keeps running; other commands end here.
  if (code !== 0) process.exit(code);
}
