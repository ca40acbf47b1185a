/** What a scripted agent does at one tick; null is silence. */
export type AgentAction =
  | { readonly kind: 'beat'; readonly progress: number; readonly say?: string }
  | { readonly kind: 'complete'; readonly result: string; readonly say: string }
  | { readonly kind: 'say'; readonly say: string };

export type DemoAgent = {
  readonly id: string;
  /** The line the demo opens with. */
  readonly story: string;
  act(t: number): AgentAction | null;
};

export const DEMO_SETTINGS = {
  stepS: 10,
  sweepEveryS: 30,
  thresholdS: 60,
  deadlineS: 300,
  endS: 340,
} as const;

const beat = (progress: number, say?: string): AgentAction => (say === undefined ? { kind: 'beat', progress } : { kind: 'beat', progress, say });

/** Five agents, five fates; every one dispatched at t+0s with a deadline at t+300s. */
export const DEMO_AGENTS: readonly DemoAgent[] = [
  {
    id: 'report-writer',
    story: 'beats every 10s and finishes its report at t+50s',
    act: (t) =>
      t === 50 ? { kind: 'complete', result: 'report.md (12 pages)', say: 'finishes and reports its result' } : t > 0 && t < 50 ? beat(t / 10) : null,
  },
  {
    id: 'crash-early',
    story: 'is OOM-killed right after dispatch, before its first heartbeat',
    act: () => null,
  },
  {
    id: 'crash-mid',
    story: 'beats for 30s, then its pod is killed mid-run',
    act: (t) => (t > 0 && t <= 30 ? beat(t / 10) : t === 40 ? { kind: 'say', say: 'dies mid-run, without a goodbye' } : null),
  },
  {
    id: 'wedged-loop',
    story: 'heartbeats forever and never gets anywhere',
    act: (t) => (t > 0 ? beat(1) : null),
  },
  {
    id: 'slow-call',
    story: 'waits 90s on a slow LLM call, then carries on and finishes',
    act: (t) => {
      if (t === 30) return { kind: 'say', say: 'sends a long LLM request and waits (no heartbeats meanwhile)' };
      if (t === 110) return beat(3, 'gets its answer and beats again');
      if (t === 150) return { kind: 'complete', result: 'summary of 40 documents', say: 'finishes after all' };
      return (t > 0 && t <= 20) || (t > 110 && t < 150) ? beat(t / 10) : null;
    },
  },
];
