import './style.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type Session, setCsrf } from './api.js';
import { html } from './html.js';
import { DelegationPage } from './pages/delegation.js';
import { DelegationsPage } from './pages/delegations.js';
import { LoginPage } from './pages/login.js';
import { OverviewPage } from './pages/overview.js';
import { SettingsPage } from './pages/settings.js';
import { navigate, onLink, usePath } from './router.js';

const NAV = [
  ['/ui', 'Overview'],
  ['/ui/delegations', 'Delegations'],
  ['/ui/settings', 'Settings'],
] as const;

function App() {
  const path = usePath();
  const [session, setSession] = useState<Session | null>(null);
  useEffect(() => {
    api.session().then((s) => {
      setCsrf(s.csrf);
      setSession(s);
    });
  }, [path]);
  if (session === null) return html`<p class="loading" role="status">Loading…</p>`;
  const pathname = path.split('?')[0] ?? '/ui';
  if (pathname === '/ui/login' || !session.authenticated) {
    return html`<${LoginPage}
      onLoggedIn=${(s: Session) => {
        setCsrf(s.csrf);
        setSession(s);
        const next = new URLSearchParams(location.search).get('next');
        navigate(next?.startsWith('/ui') && !next.startsWith('/ui/login') ? next : '/ui');
      }}
    />`;
  }
  const logout = async () => {
    await api.logout();
    setCsrf(null);
    location.assign('/ui/login');
  };
  const id = /^\/ui\/delegations\/(.+)$/.exec(pathname)?.[1];
  const page =
    id !== undefined
      ? html`<${DelegationPage} id=${decodeURIComponent(id)} />`
      : pathname === '/ui/delegations'
        ? html`<${DelegationsPage} />`
        : pathname === '/ui/settings'
          ? html`<${SettingsPage} />`
          : html`<${OverviewPage} />`;
  const current = id !== undefined ? '/ui/delegations' : pathname;
  return html`
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <strong class="brand">Delegations</strong>
      <nav aria-label="Main">
        ${NAV.map(([href, text]) => html`<a href=${href} onClick=${onLink} aria-current=${current === href ? 'page' : undefined}>${text}</a>`)}
      </nav>
      ${session.required ? html`<button type="button" class="quiet" onClick=${logout}>Log out ${session.name ?? ''}</button>` : html`<span class="muted">open on loopback</span>`}
    </header>
    <main id="main" tabindex="-1">${page}</main>
  `;
}

render(html`<${App} />`, document.getElementById('app') as HTMLElement);
