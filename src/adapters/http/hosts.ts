import { networkInterfaces } from 'node:os';
import { ConfigurationError } from '../../domain/index.js';

/** `name` (any port) or `name:port` (that port only), as DELEGATIONS_ALLOWED_HOSTS lists them. */
export type HostEntry = { readonly hostname: string; readonly port: number | null };

/** The addresses this server answers to: anything else in a Host header is DNS rebinding or a misrouted request. */
export type ServedHosts = { readonly port: number; readonly names: readonly string[]; readonly extra: readonly HostEntry[] };

export const ALLOWED_HOSTS_VARIABLE = 'DELEGATIONS_ALLOWED_HOSTS';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);
// A Host is a name or an IP literal and an optional port: no userinfo, path, spaces or second value.
const AUTHORITY = /^(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)(?::(\d{1,5}))?$/i;

/** The names served on `port` when listening on `listenHost`: loopback, that host, and for a wildcard every interface address. */
export function servedHosts(listenHost: string, port: number, extra: readonly HostEntry[] = []): ServedHosts {
  const names = new Set(LOOPBACK_NAMES);
  if (WILDCARDS.has(listenHost)) for (const address of interfaceAddresses()) names.add(address);
  else names.add(bracketed(listenHost.toLowerCase()));
  return { port, names: [...names], extra };
}

/** Parses `host[:port]`; null when it is not one. The port defaults to 80 (plain HTTP). */
export function parseAuthority(value: string): { hostname: string; port: number } | null {
  const match = AUTHORITY.exec(value);
  if (match === null) return null;
  const port = match[2] === undefined ? 80 : Number(match[2]);
  if (port < 1 || port > 65535) return null;
  return { hostname: (match[1] as string).toLowerCase(), port };
}

export function allows(served: ServedHosts, authority: string): boolean {
  const parsed = parseAuthority(authority);
  if (parsed === null) return false;
  if (parsed.port === served.port && served.names.includes(parsed.hostname)) return true;
  return served.extra.some((entry) => entry.hostname === parsed.hostname && (entry.port === null || entry.port === parsed.port));
}

/** What a refused request is told it could have used. */
export function describeServed(served: ServedHosts): string[] {
  return [...served.names.map((name) => `${name}:${served.port}`), ...served.extra.map((e) => (e.port === null ? e.hostname : `${e.hostname}:${e.port}`))];
}

/** DELEGATIONS_ALLOWED_HOSTS: comma-separated `name` or `name:port`; a wrong entry stops start-up, naming the variable. */
export function parseAllowedHosts(value: string | undefined): HostEntry[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const parsed = parseAuthority(entry);
      if (parsed === null) throw new ConfigurationError(`${ALLOWED_HOSTS_VARIABLE}: ${JSON.stringify(entry)} is not a host name or host:port`);
      return { hostname: parsed.hostname, port: /:\d+$/.test(entry) ? parsed.port : null };
    });
}

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((info) => bracketed(info.address.toLowerCase())));
}
