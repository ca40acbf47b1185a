import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminFixture, adminFixture, send } from './support/admin.js';

describe('GET /openapi.json', () => {
  let fixture: AdminFixture;
  beforeAll(async () => {
    fixture = await adminFixture();
  });
  afterAll(() => fixture.close());

  it('is an OpenAPI 3.1 document the maintained validator accepts, served without a token', async () => {
    const answer = await send(fixture.app, '/openapi.json');
    expect(answer.status).toBe(200);
    const document = answer.body as Record<string, unknown>;
    expect(document.openapi).toBe('3.1.0');
    // validate() dereferences in place: give it a copy, keep the original to inspect.
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeTruthy();
  });

  it('declares bearer auth for every route but the public ones, and each route its refusals', async () => {
    const document = (await send(fixture.app, '/openapi.json')).body as {
      security: unknown;
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown>; requestBody?: unknown }>>;
    };
    expect(document.security).toEqual([{ bearer: [] }]);
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const open = ['/healthz', '/openapi.json'].includes(path);
        expect(operation.security, `${method} ${path}`).toEqual(open ? [] : undefined);
        expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(
          expect.arrayContaining(open ? ['400', '405'] : ['400', '401', '403', '405', '503']),
        );
        if (operation.requestBody !== undefined) expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['413', '415']));
      }
    }
  });

  it('describes the create body as the server checks it: strict, with the required fields', async () => {
    const document = (await send(fixture.app, '/openapi.json')).body as {
      components: { schemas: Record<string, { required?: string[]; additionalProperties?: boolean }> };
    };
    const create = document.components.schemas.CreateDelegation;
    expect(create?.required?.sort()).toEqual(['calleeId', 'task']);
    expect(create?.additionalProperties).toBe(false);
  });
});
