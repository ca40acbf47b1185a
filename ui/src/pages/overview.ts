import { useEffect } from 'preact/hooks';
import { api, type Delegation, follow, IN_FLIGHT, STATUSES, type Sweep } from '../api.js';
import { duration, label } from '../format.js';
import { html } from '../html.js';
import { Failure, useLoad, useNow } from '../load.js';
import { onLink } from '../router.js';

const BUCKETS = 12;
const FAILURE_SAMPLE = 200;

export function OverviewPage() {
  const stats = useLoad(() => api.stats(), []);
  const stuck = useLoad(() => api.list({ status: 'stuck', limit: 100 }), []);
  const sweeps = useLoad(() => api.sweeps(), []);
  const failed = useLoad(() => api.list({ status: 'failed', limit: FAILURE_SAMPLE }), []);
  const lag = useLoad(() => api.lag(), []);
  useEffect(
    () =>
      follow('/v1/events', () => {
        stats.reload();
        stuck.reload();
        failed.reload();
        lag.reload();
      }),
    [],
  );
  useEffect(() => {
    const timer = setInterval(() => {
      sweeps.reload();
      lag.reload();
    }, 10_000);
    return () => clearInterval(timer);
  }, []);
  const now = useNow();
  return html`
    <h1>Overview</h1>
    <section aria-labelledby="counts">
      <h2 id="counts">Delegations by status</h2>
      <${Failure} error=${stats.error} />
      <ul class="counts">
        ${STATUSES.map(
          (status) => html`<li class=${`count status-${status}`}>
            <a href=${`/ui/delegations?status=${status}`} onClick=${onLink}><span class="n" data-status=${status}>${stats.data?.[status] ?? '…'}</span> ${label(status)}</a>
          </li>`,
        )}
      </ul>
      <p class="muted">In flight: ${stats.data === null ? '…' : IN_FLIGHT.reduce((sum, s) => sum + (stats.data?.[s] ?? 0), 0)}</p>
    </section>
    <section aria-labelledby="stuck-now">
      <h2 id="stuck-now">Stuck right now</h2>
      <${Failure} error=${stuck.error} />
      ${stuck.data === null ? null : html`<${StuckTable} rows=${stuck.data.delegations} now=${now} />`}
    </section>
    <div class="columns">
      <section aria-labelledby="sweep-chart">
        <h2 id="sweep-chart">Sweeps, last hour</h2>
        <${Failure} error=${sweeps.error} />
        ${sweeps.data === null ? null : html`<${SweepChart} sweeps=${sweeps.data.sweeps} windowMs=${sweeps.data.windowMs} now=${now} />`}
      </section>
      <section aria-labelledby="failures">
        <h2 id="failures">Most frequent failures</h2>
        <${Failure} error=${failed.error} />
        ${failed.data === null ? null : html`<${FailureTable} rows=${failed.data.delegations} />`}
      </section>
    </div>
    <section aria-labelledby="lag">
      <h2 id="lag">Subscriptions and webhooks</h2>
      <${Failure} error=${lag.error} />
      ${
        lag.data === null
          ? null
          : lag.data.subscriptions.length === 0
            ? html`<p class="muted">No subscription has a checkpoint yet (head of the log: ${lag.data.head}).</p>`
            : html`<table>
                <caption class="muted">Head of the log: position ${lag.data.head}</caption>
                <thead><tr><th scope="col">Name</th><th scope="col">Checkpoint</th><th scope="col">Behind</th><th scope="col">Updated</th></tr></thead>
                <tbody>
                  ${lag.data.subscriptions.map(
                    (s) => html`<tr>
                      <td>${s.name}</td><td>${s.position}</td>
                      <td class=${s.lag > 0 ? 'warn' : ''}>${s.lag} events</td>
                      <td>${s.updatedAt === null ? '—' : `${duration(now - Date.parse(s.updatedAt))} ago`}</td>
                    </tr>`,
                  )}
                </tbody>
              </table>`
      }
    </section>
  `;
}

function silentFor(d: Delegation, now: number): number {
  const last = d.lastHeartbeat ?? d.activeSince ?? d.createdAt;
  return now - Date.parse(last);
}

function StuckTable({ rows, now }: { rows: Delegation[]; now: number }) {
  if (rows.length === 0) return html`<p class="ok">Nothing is stuck.</p>`;
  const sorted = [...rows].sort((a, b) => silentFor(b, now) - silentFor(a, now));
  return html`<table class="stuck">
    <thead><tr><th scope="col">Delegation</th><th scope="col">Callee</th><th scope="col">Silent for</th><th scope="col">Why</th></tr></thead>
    <tbody>
      ${sorted.map(
        (d) => html`<tr>
          <td><a href=${`/ui/delegations/${encodeURIComponent(d.delegationId)}`} onClick=${onLink}>${d.delegationId}</a></td>
          <td>${d.calleeId}</td>
          <td>${duration(silentFor(d, now))}</td>
          <td>${d.errorDetail ?? ''}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

const SERIES = [
  ['stuckMarked', 'marked stuck'],
  ['deadlineFailures', 'failed at deadline'],
  ['requeued', 'requeued'],
] as const;

function SweepChart({ sweeps, windowMs, now }: { sweeps: Sweep[]; windowMs: number; now: number }) {
  const size = windowMs / BUCKETS;
  const buckets = Array.from({ length: BUCKETS }, () => ({ stuckMarked: 0, deadlineFailures: 0, requeued: 0, sweeps: 0 }));
  for (const sweep of sweeps) {
    const index = BUCKETS - 1 - Math.floor((now - Date.parse(sweep.at)) / size);
    const bucket = buckets[index];
    if (bucket === undefined) continue;
    bucket.sweeps += 1;
    for (const [key] of SERIES) bucket[key] += sweep[key];
  }
  const max = Math.max(1, ...buckets.map((b) => b.stuckMarked + b.deadlineFailures + b.requeued));
  const [w, h, bar] = [360, 120, 360 / BUCKETS];
  const total = sweeps.length;
  return html`
    <figure>
      <svg viewBox=${`0 0 ${w} ${h + 16}`} role="img" aria-label=${`${total} sweeps in the last hour; ${SERIES.map(([k, t]) => `${sweeps.reduce((s, x) => s + x[k], 0)} ${t}`).join(', ')}`}>
        ${buckets.map((b, i) => {
          let y = h;
          return html`<g>
            ${SERIES.map(([key], s) => {
              const height = (b[key] / max) * (h - 4);
              y -= height;
              return height > 0
                ? html`<rect class=${`series-${s}`} x=${i * bar + 2} y=${y} width=${bar - 4} height=${height}><title>${b[key]} ${SERIES[s]?.[1]}</title></rect>`
                : null;
            })}
            ${b.sweeps > 0 ? html`<circle class="tick" cx=${i * bar + bar / 2} cy=${h + 8} r="2"><title>${b.sweeps} sweeps</title></circle>` : null}
          </g>`;
        })}
        <line x1="0" y1=${h} x2=${w} y2=${h} class="axis" />
        <text x="2" y="10" class="scale">${max}</text>
      </svg>
      <figcaption>
        ${SERIES.map(([, text], s) => html`<span class=${`key series-${s}`}>${text}</span> `)}
        <span class="muted">· ${total} sweeps by this daemon, in ${duration(size)} buckets</span>
      </figcaption>
    </figure>
  `;
}

function FailureTable({ rows }: { rows: Delegation[] }) {
  if (rows.length === 0) return html`<p class="ok">No failed delegations.</p>`;
  const counts = new Map<string, number>();
  for (const d of rows) {
    const detail = (d.errorDetail ?? '(no detail)').replace(/\d+/g, 'N');
    counts.set(detail, (counts.get(detail) ?? 0) + 1);
  }
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 8);
  return html`<table>
    <caption class="muted">Among the ${rows.length} most recent failures; digits folded to N</caption>
    <thead><tr><th scope="col">Detail</th><th scope="col">Count</th></tr></thead>
    <tbody>${top.map(([detail, n]) => html`<tr><td>${detail}</td><td>${n}</td></tr>`)}</tbody>
  </table>`;
}
