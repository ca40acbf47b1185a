import type { RetryPolicy } from '../../../domain/index.js';

/** What a scripted agent (or the caller) does at one tick; null is silence. */
export type AgentAction =
  | { readonly kind: 'beat'; readonly progress: number; readonly say?: string }
  | { readonly kind: 'complete'; readonly result: string; readonly say: string }
  | { readonly kind: 'ask'; readonly question: string; readonly say: string }
  /** Reads the caller's answer (the latest `resumed` event) and beats on. */
  | { readonly kind: 'answered'; readonly progress: number; readonly say: string }
  | { readonly kind: 'say'; readonly say: string };

export type DemoAgent = {
  readonly id: string;
  /** The line the demo opens with. */
  readonly story: string;
  /** Its delegation's retry policy; none unless given. */
  readonly retry?: Partial<RetryPolicy>;
  act(t: number): AgentAction | null;
};

/** What the caller (the orchestrator) does at one tick, to one of its delegations. */
export type CallerAction =
  | { readonly kind: 'cancel'; readonly id: string; readonly reason: string; readonly say: string }
  | { readonly kind: 'answer'; readonly id: string; readonly answer: string; readonly say: string };

export const DEMO_SETTINGS = {
  stepS: 10,
  sweepEveryS: 30,
  thresholdS: 60,
  deadlineS: 300,
  endS: 340,
} as const;

const beat = (progress: number, say?: string): AgentAction => (say === undefined ? { kind: 'beat', progress } : { kind: 'beat', progress, say });

/**
 * crash-mid's policy: two attempts, requeued 30 s after it went stuck, the second claimable
 * 10 s later. No jitter, so the demo tells the same story every time.
 */
const RETRY_ONCE: Partial<RetryPolicy> = { maxAttempts: 2, requeueStuckAfterMs: 30_000, initialDelayMs: 10_000, jitter: 0 };

/** The scripted agents; every one dispatched at t+0s with a deadline at t+300s. */
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
    story: 'beats for 30s, then its pod is killed mid-run; its retry policy hands it to a fresh worker',
    retry: RETRY_ONCE,
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
  {
    id: 'asks-caller',
    story: 'asks its caller which API version to target and waits, silent, for the answer; then finishes',
    act: (t) => {
      if (t === 30) return { kind: 'ask', question: 'which API version should the client target?', say: 'asks its caller' };
      if (t === 140) return { kind: 'answered', progress: 4, say: 'reads the answer and goes on' };
      if (t === 170) return { kind: 'complete', result: 'client for API v2', say: 'finishes with the answer' };
      return (t > 0 && t < 30) || (t > 140 && t < 170) ? beat(t / 10) : null;
    },
  },
];

/** The fresh worker that claims crash-mid's second attempt; `t` counts from its claim. */
export const RETRY_WORKER = {
  calleeId: 'crash-mid',
  actor: 'worker-2',
  act: (t: number): AgentAction | null =>
    t === 50 ? { kind: 'complete', result: 'migration applied', say: 'finishes on attempt 2' } : t > 0 && t < 50 ? beat(t / 10) : null,
};

/** The agent written with runDelegation: it translates a chapter every 10s, 20 in all, unless stopped. */
export const RUNNER_AGENT = {
  id: 'translator',
  story: 'runs under runDelegation (a beat every 20s); its caller cancels it at t+90s',
  chapters: 20,
  chapterS: 10,
} as const;

/** The orchestrator: it created every delegation, answers the question and calls the translation off. */
export const CALLER = {
  id: 'orchestrator',
  /** It awaits this delegation (ledger.waitFor) from the start. */
  awaits: 'crash-mid',
  act: (t: number): CallerAction | null => {
    if (t === 90) return { kind: 'cancel', id: RUNNER_AGENT.id, reason: 'the caller changed its plans', say: 'cancels the translation' };
    if (t === 130) return { kind: 'answer', id: 'asks-caller', answer: 'v2', say: 'answers asks-caller: "v2"' };
    return null;
  },
};
