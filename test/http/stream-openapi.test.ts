import SwaggerParser from '@apidevtools/swagger-parser';
import { OpenAPIHono } from '@hono/zod-openapi';
import { expect, it } from 'vitest';
import { silentLogger } from '../../src/adapters/logging/pino-logger.js';
import { registerA2A } from '../../src/adapters/http/a2a.js';
import { registerEventStreams } from '../../src/adapters/http/event-stream.js';
import type { IdentityEnv } from '../../src/adapters/http/identity.js';
import { StreamHub } from '../../src/adapters/http/sse.js';

it('the stream and A2A routes are in a valid OpenAPI 3.1 document', async () => {
  const app = new OpenAPIHono<IdentityEnv>();
  const deps = { services: () => null, hub: new StreamHub(), logger: silentLogger };
  registerEventStreams(app, deps);
  registerA2A(app, deps);
  const document = app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'streams', version: '1' } });
  await SwaggerParser.validate(structuredClone(document) as never);
  expect(Object.keys(document.paths ?? {}).sort()).toEqual(['/.well-known/agent-card.json', '/a2a', '/v1/delegations/{id}/events', '/v1/events']);
  const events = document.paths?.['/v1/events']?.get;
  expect(events?.parameters?.map((parameter) => ('name' in parameter ? parameter.name : null))).toEqual(['from', 'types', 'last-event-id']);
  expect(Object.keys(events?.responses ?? {})).toEqual(['200', '400', '401', '503']);
});
