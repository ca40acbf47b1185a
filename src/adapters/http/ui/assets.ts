import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the build puts the dashboard: dist/ui, the same place from src/ (tests) and dist/ (the package). */
export const UI_DIR = fileURLToPath(new URL('../../../../dist/ui/', import.meta.url));

/**
 * Nothing from another host, no inline script or style, no framing, no form posts elsewhere:
 * the page talks to its own origin only.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
};

export const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
} as const;

export type UiAsset = { readonly body: Uint8Array; readonly type: string };

/** The built files, read once: the package's dist does not change under a running daemon. */
export class UiAssets {
  private readonly cache = new Map<string, UiAsset | null>();

  constructor(private readonly dir: string = UI_DIR) {}

  /** Whether the dashboard was built (npm run build); the daemon says so when it was not. */
  get built(): boolean {
    return existsSync(join(this.dir, 'index.html'));
  }

  index(): UiAsset | null {
    return this.file('index.html');
  }

  /** A file under assets/ (content-hashed names: cached for a year), or null. Never a path outside the folder. */
  asset(name: string): UiAsset | null {
    if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) return null;
    return this.file(`assets/${name}`);
  }

  private file(relative: string): UiAsset | null {
    const cached = this.cache.get(relative);
    if (cached !== undefined) return cached;
    const path = normalize(join(this.dir, relative));
    const inside = path.startsWith(normalize(this.dir).replace(new RegExp(`${escapeRegExp(sep)}?$`), sep));
    const asset = inside && existsSync(path) ? { body: new Uint8Array(readFileSync(path)), type: TYPES[extname(path)] ?? 'application/octet-stream' } : null;
    this.cache.set(relative, asset);
    return asset;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}
