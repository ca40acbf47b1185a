import type { SimulationProgress } from './options.js';

type Terminal = { readonly isTTY?: boolean | undefined; readonly columns?: number | undefined; write(text: string): unknown };

const BAR_WIDTH = 30;

/**
 * A one-line progress bar, redrawn in place. Only on a terminal: piped or
 * captured stderr gets nothing, so logs and tests never see carriage returns.
 */
export function progressBar(stream: Terminal): { update: (p: SimulationProgress) => void; done: () => void } | undefined {
  if (stream.isTTY !== true) return undefined;
  let drawn = '';
  return {
    update(p) {
      const filled = Math.round(p.fraction * BAR_WIDTH);
      const bar = `${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}`;
      const pct = `${Math.floor(p.fraction * 100)}%`.padStart(4);
      const what = `${p.settingsDone}/${p.settings} settings done`;
      const line = `[${bar}] ${pct}  ${what}`.slice(0, Math.max(20, (stream.columns || 80) - 1));
      // Redraw only when the line changes: a terminal write per event would cost more than the simulation.
      if (line === drawn) return;
      drawn = line;
      stream.write(`\r${line}\u001b[K`);
    },
    done() {
      if (drawn !== '') stream.write('\r\u001b[K');
      drawn = '';
    },
  };
}
