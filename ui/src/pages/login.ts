import { useState } from 'preact/hooks';
import { ApiError, api, type Session } from '../api.js';
import { html } from '../html.js';

export function LoginPage({ onLoggedIn }: { onLoggedIn: (session: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLoggedIn(await api.login(token));
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : 'the server could not be reached');
    } finally {
      setBusy(false);
    }
  };
  return html`
    <main class="login" id="main">
      <h1>Delegations</h1>
      <form onSubmit=${submit} aria-describedby="login-help">
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required value=${token} onInput=${(e: Event) => setToken((e.target as HTMLInputElement).value)} />
        <p id="login-help" class="muted">The token is sent once; the browser keeps a session cookie, not the token.</p>
        <button type="submit" disabled=${busy}>Log in</button>
        ${error === null ? null : html`<p class="error" role="alert">${error}</p>`}
      </form>
    </main>
  `;
}
