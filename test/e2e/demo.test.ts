import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { childEnv, finished, REPO } from './support/processes.js';

describe('`npx delegations demo`, as the README tells a newcomer (without the real-time pauses)', () => {
  it('plays the five fates and prints the sweeps and the histories', async () => {
    const demo = await finished(spawn('npx', ['delegations', 'demo', '--pace', '0'], { cwd: REPO, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(demo.code, demo.stderr).toBe(0);
    const out = demo.stdout;
    // Crash before the first heartbeat: caught one threshold after dispatch, not at the deadline.
    expect(out).toMatch(/^t\+ 90s  sweeper\s+sweep: 2 marked stuck$/m);
    expect(out).toMatch(/^\s+crash-early: dispatched -> stuck \(no heartbeat for 90s\)$/m);
    expect(out).toMatch(/^\s+slow-call: in_progress -> stuck \(no heartbeat for 70s\)$/m);
    expect(out).toMatch(/^t\+110s  slow-call\s+.*stuck -> in_progress \(recovered\)$/m);
    expect(out).toMatch(/^\s+crash-mid: in_progress -> stuck \(no heartbeat for 90s\)$/m);
    // The wedged agent beats to the end; only the deadline stops it, and its next heartbeat is told so.
    expect(out).toMatch(/^\s+wedged-loop: in_progress -> failed \(deadline exceeded\)$/m);
    expect(out).toMatch(/^t\+340s  wedged-loop\s+heartbeat answered "stop"/m);
    const outcomes = Object.fromEntries([...out.matchAll(/^(report-writer|crash-early|crash-mid|wedged-loop|slow-call) +(\w+) +\S/gm)].map((m) => [m[1], m[2]]));
    expect(outcomes).toEqual({ 'report-writer': 'completed', 'crash-early': 'failed', 'crash-mid': 'failed', 'wedged-loop': 'failed', 'slow-call': 'completed' });
    expect(out).toMatch(/^6\s+\d+\s+t\+150s\s+completed\s+in_progress\s+completed\s+agent/m);
  });
});
