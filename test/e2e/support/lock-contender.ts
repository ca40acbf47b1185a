import { createInterface } from 'node:readline';
import { lockDataDir } from '../../../src/adapters/drizzle/pglite-lock.js';

/**
 * One process of the lock race: on `{"op":"lock","dir","at"}` it waits for the
 * shared instant `at`, tries the lock and answers won or refused; a winner holds
 * it until `{"op":"release"}`. It stays up for many rounds, so a race of twenty
 * processes costs twenty process starts in all.
 */
let release: (() => Promise<void>) | null = null;
const reply = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as { op: 'lock'; dir: string; at: number } | { op: 'release' };
  if (command.op === 'release') {
    const held = release;
    release = null;
    void (held?.() ?? Promise.resolve()).then(() => reply({ released: true }));
    return;
  }
  const wait = Math.max(0, command.at - Date.now());
  setTimeout(() => {
    while (Date.now() < command.at) {
      // The last milliseconds spun, so that every process starts on the same instant.
    }
    lockDataDir(command.dir).then(
      (held) => {
        release = held;
        reply({ won: true });
      },
      (error: Error) => reply({ won: false, error: error.name, message: error.message }),
    );
  }, wait - 2);
});
reply({ ready: true });
