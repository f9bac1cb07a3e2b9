import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { genesisFromJson } from '../../chain/genesis.ts';
import { verifyNameProof } from '../../chain/light.ts';
import { DcbtError } from '../../errors.ts';
import { readJsonIfExists } from '../../files.ts';
import { globalOptions, rpcClient } from '../global.ts';
import { Output } from '../output.ts';
import { formatRecord } from '../../chain/records.ts';

async function readInput(file: string): Promise<string> {
  if (file !== '-') return readFile(file, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function registerProofCommands(program: Command): void {
  const proof = program.command('proof').description('check name proofs without trusting the node that made them');
  proof
    .command('verify <file>')
    .description('verify a proof from `dcbt name proof` (file, or - for stdin) against the chain\'s genesis validators')
    .option('--genesis <file>', 'the genesis file to trust (default: .dcbt/genesis.json, else fetched from --rpc)')
    .action(async (file: string, flags: { genesis?: string }, cmd: Command) => {
      const opts = globalOptions(cmd);
      const out = new Output(opts);
      let bundle: unknown;
      try {
        bundle = JSON.parse(await readInput(file));
      } catch (error) {
        throw new DcbtError('PROOF_REJECTED', `${file} is not JSON: ${(error as Error).message}`, { reason: 'format' });
      }
      const genesisJson = flags.genesis ? JSON.parse(await readFile(flags.genesis, 'utf8')) : ((await readJsonIfExists('.dcbt/genesis.json')) ?? (await rpcClient(opts).genesis()));
      const genesis = genesisFromJson(genesisJson);
      const result = verifyNameProof(bundle, genesis);
      const fqdn = `${result.name}.${genesis.apex}`;
      out.result(
        { valid: true, ...result, record: result.record && { ...result.record, owner: Buffer.from(result.record.owner).toString('hex'), records: result.record.records.map(formatRecord) } },
        result.exists
          ? `valid: ${fqdn} is registered as of block ${result.height} (${result.blockHash.slice(0, 16)}…), owner ${Buffer.from(result.record!.owner).toString('hex')}\n${result.record!.records.map((r) => formatRecord(r)).map((r) => `  ${(r.host || '@').padEnd(12)} ${r.type.padEnd(6)} ${r.value}`).join('\n')}`
          : `valid: ${fqdn} is NOT registered as of block ${result.height} (${result.blockHash.slice(0, 16)}…)`,
      );
    });
}
