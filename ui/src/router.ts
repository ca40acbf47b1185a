import { useEffect, useState } from 'preact/hooks';

/** The path under /ui the page shows, kept in the address bar (history API, no hash). */
export function usePath(): string {
  const [path, setPath] = useState(location.pathname + location.search);
  useEffect(() => {
    const update = () => setPath(location.pathname + location.search);
    addEventListener('popstate', update);
    addEventListener('dashboard:navigate', update);
    return () => {
      removeEventListener('popstate', update);
      removeEventListener('dashboard:navigate', update);
    };
  }, []);
  return path;
}

export function navigate(to: string): void {
  history.pushState(null, '', to);
  dispatchEvent(new Event('dashboard:navigate'));
  window.scrollTo(0, 0);
}

/** A link the router follows in place; a modified click (new tab) is left to the browser. */
export function onLink(event: MouseEvent): void {
  const anchor = (event.currentTarget as HTMLAnchorElement | null) ?? null;
  if (anchor === null || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(anchor.getAttribute('href') ?? '/ui');
}
