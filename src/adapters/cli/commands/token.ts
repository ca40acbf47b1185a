import { type Command, Option } from 'commander';
import { UsageError } from '../errors.js';
import { JSON_FLAG, type OutputOptions, print, printJson } from '../output.js';

type TokenOptions = OutputOptions & { role: 'admin' | 'caller' | 'agent'; name: string; caller?: string; callee?: string };

export function register(program: Command): void {
  const token = program.command('token').description('service API tokens: mint one for a caller, an agent or an operator');
  token
    .command('create')
    .description('print a new random token (once: it is not stored anywhere) and the DELEGATIONS_TOKENS entry that admits it')
    .addOption(new Option('--role <role>', 'what the token may do').choices(['admin', 'caller', 'agent']).makeOptionMandatory())
    .requiredOption('--name <name>', 'who holds it (shown in logs, never the secret)')
    .option('--caller <callerId>', 'with --role caller: the caller id it acts for')
    .option('--callee <calleeId>', 'with --role agent: the callee id whose delegations it works on')
    .option(...JSON_FLAG)
    .addHelpText(
      'after',
      '\nAdd the entry to the JSON array in DELEGATIONS_TOKENS, or in the file DELEGATIONS_TOKENS_FILE names, and restart the daemon.\n' +
        'Example: delegations token create --role agent --callee translator --name t1',
    )
    .action(async (options: TokenOptions) => {
      const { mintToken } = await import('../../../main/tokens.js');
      const minted = mintToken(request(options));
      if (options.json) return printJson(minted);
      print(`token (shown once; give it to ${options.name}, it is stored nowhere): ${minted.token}`);
      print('add this entry to the JSON array in DELEGATIONS_TOKENS (or the file DELEGATIONS_TOKENS_FILE names), then restart the daemon:');
      print(JSON.stringify(minted.entry));
    });
}

function request(options: TokenOptions) {
  const { role, name } = options;
  if (role !== 'caller' && options.caller !== undefined) throw new UsageError(`--caller applies to --role caller only`);
  if (role !== 'agent' && options.callee !== undefined) throw new UsageError(`--callee applies to --role agent only`);
  if (name.trim() === '') throw new UsageError('--name must not be empty');
  if (role === 'caller') {
    if (options.caller === undefined || options.caller.trim() === '') throw new UsageError('a caller token needs --caller <callerId>');
    return { role, name, callerId: options.caller };
  }
  if (role === 'agent') {
    if (options.callee === undefined || options.callee.trim() === '') throw new UsageError('an agent token needs --callee <calleeId>');
    return { role, name, calleeId: options.callee };
  }
  return { role, name };
}
