/** Every refusal the API gives: what kind, what was wrong, and (where one is to blame) the field, header or part of the request. */
export type Problem = { readonly error: string; readonly message: string; readonly field?: string | undefined; readonly [detail: string]: unknown };

/**
 * A JSON error response. Built without a Hono context so the server's own
 * refusals (a request Node could not parse, a Host it could not read) look the same.
 * `close` ends the connection after the answer: used when the rest of the body is unread.
 */
export function problem(status: number, body: Problem, options: { headers?: Record<string, string>; close?: boolean } = {}): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.close === true) headers.connection = 'close';
  return new Response(JSON.stringify(body), { status, headers });
}

export function badRequest(field: string, message: string, details: Record<string, unknown> = {}): Response {
  return problem(400, { error: 'bad_request', field, message, ...details });
}
