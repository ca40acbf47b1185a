import { useEffect, useState } from 'preact/hooks';
import { api, follow, type ListFilter, STATUSES } from '../api.js';
import { label, time } from '../format.js';
import { html } from '../html.js';
import { Failure, useLoad } from '../load.js';
import { navigate, onLink } from '../router.js';

const PAGE_SIZE = 50;
const FIELDS = ['status', 'callerId', 'calleeId', 'createdAfter', 'createdBefore'] as const;

function filterFromUrl(): ListFilter {
  const params = new URLSearchParams(location.search);
  const filter: ListFilter = { status: params.get('status') ?? 'all', limit: PAGE_SIZE };
  for (const field of FIELDS.slice(1)) {
    const value = params.get(field);
    if (value !== null && value !== '') filter[field] = value;
  }
  return filter;
}

/** datetime-local gives local time without a zone; the API takes ISO instants. */
function toIso(local: string): string | undefined {
  if (local === '') return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function DelegationsPage() {
  const [filter, setFilter] = useState<ListFilter>(filterFromUrl);
  // The cursors of the pages before this one, for "Previous".
  const [cursors, setCursors] = useState<string[]>([]);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const page = useLoad(() => api.list({ ...filter, cursor }), [JSON.stringify(filter), cursor]);
  useEffect(() => follow('/v1/events', () => page.reload()), []);
  const [search, setSearch] = useState('');

  const apply = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const next: ListFilter = { status: String(form.get('status') ?? 'all'), limit: PAGE_SIZE };
    const caller = String(form.get('callerId') ?? '').trim();
    const callee = String(form.get('calleeId') ?? '').trim();
    if (caller !== '') next.callerId = caller;
    if (callee !== '') next.calleeId = callee;
    const after = toIso(String(form.get('createdAfter') ?? ''));
    const before = toIso(String(form.get('createdBefore') ?? ''));
    if (after !== undefined) next.createdAfter = after;
    if (before !== undefined) next.createdBefore = before;
    const params = new URLSearchParams();
    for (const field of FIELDS) if (next[field] !== undefined) params.set(field, String(next[field]));
    history.replaceState(null, '', `/ui/delegations?${params}`);
    setCursors([]);
    setCursor(undefined);
    setFilter(next);
  };
  const open = (event: Event) => {
    event.preventDefault();
    const id = search.trim();
    if (id !== '') navigate(`/ui/delegations/${encodeURIComponent(id)}`);
  };

  return html`
    <h1>Delegations</h1>
    <form class="search" role="search" onSubmit=${open}>
      <label for="search-id">Find by id</label>
      <input id="search-id" type="search" value=${search} onInput=${(e: Event) => setSearch((e.target as HTMLInputElement).value)} placeholder="delegation id" />
      <button type="submit">Open</button>
    </form>
    <form class="filters" onSubmit=${apply} aria-label="Filters">
      <label>Status
        <select name="status" value=${filter.status}>
          ${['all', 'in_flight', 'terminal', ...STATUSES].map((s) => html`<option value=${s}>${label(s)}</option>`)}
        </select>
      </label>
      <label>Caller <input name="callerId" value=${filter.callerId ?? ''} /></label>
      <label>Callee <input name="calleeId" value=${filter.calleeId ?? ''} /></label>
      <label>Created after <input name="createdAfter" type="datetime-local" step="1" /></label>
      <label>Created before <input name="createdBefore" type="datetime-local" step="1" /></label>
      <button type="submit">Apply</button>
    </form>
    <${Failure} error=${page.error} />
    ${
      page.data === null
        ? html`<p class="loading" role="status">Loading…</p>`
        : html`
          <table class="list" aria-live="polite">
            <thead><tr><th scope="col">Delegation</th><th scope="col">Status</th><th scope="col">Caller → callee</th><th scope="col">Attempt</th><th scope="col">Created</th><th scope="col">Updated</th></tr></thead>
            <tbody>
              ${page.data.delegations.map(
                (d) => html`<tr data-id=${d.delegationId}>
                  <td><a href=${`/ui/delegations/${encodeURIComponent(d.delegationId)}`} onClick=${onLink}>${d.delegationId}</a><div class="muted small">${d.taskPreview}</div></td>
                  <td><span class=${`badge status-${d.status}`}>${label(d.status)}</span></td>
                  <td>${d.callerId} → ${d.calleeId}</td>
                  <td>${d.attempt}</td>
                  <td>${time(d.createdAt)}</td>
                  <td>${time(d.updatedAt)}</td>
                </tr>`,
              )}
            </tbody>
          </table>
          ${page.data.delegations.length === 0 ? html`<p class="muted">No delegation matches.</p>` : null}
          <nav class="pager" aria-label="Pages">
            <button type="button" disabled=${cursors.length === 0} onClick=${() => {
              const previous = [...cursors];
              const back = previous.pop();
              setCursors(previous);
              setCursor(back === '' ? undefined : back);
            }}>Previous</button>
            <button type="button" disabled=${page.data.nextCursor === null} onClick=${() => {
              setCursors([...cursors, cursor ?? '']);
              setCursor(page.data?.nextCursor ?? undefined);
            }}>Next</button>
          </nav>`
    }
  `;
}
