import type { Command } from 'commander';
export function register(program: Command): void {
  program.command('demo').description('watch five agents meet the sweeper (about ten seconds)');
}
