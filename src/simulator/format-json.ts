import type { SimulationReport } from './simulate.js';

/** Stable JSON: the report's key order is fixed by construction, so equal runs give equal bytes. */
export function formatJson(report: SimulationReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
