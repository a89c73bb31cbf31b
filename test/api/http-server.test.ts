import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHttpServer, type HttpServer } from '../../src/http.js';
import type { TestApp } from '../support/test-app.js';
import { createToken, startTestApp } from './api-harness.js';

describe('the HTTP server', () => {
  let testApp: TestApp;
  let server: HttpServer;
  let token: string;
  before(async () => {
    testApp = await startTestApp();
    token = await createToken(testApp.app, 'socket-admin', 'admin');
    server = createHttpServer(testApp.app);
  });
  after(async () => {
    await server.stop();
    await testApp.cleanup();
  });

  test('has no port before it starts', () => {
    assert.equal(server.port(), null);
  });

  test('serves the API on the port it bound and records the client address', async () => {
    await server.start('127.0.0.1', 0);
    const port = server.port();
    assert.ok(port !== null && port > 0);
    const base = `http://127.0.0.1:${port}`;

    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');

    const created = await fetch(`${base}/api/v1/domains`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'socket.example' }),
    });
    assert.equal(created.status, 201);
    assert.ok(created.headers.get('x-request-id'));
    const { records } = await testApp.app.audit.search({ operations: ['AddDomain'] });
    assert.equal(records[0]?.actor, 'token:socket-admin');
    assert.equal(records[0]?.clientIp, '127.0.0.1');
  });

  test('refuses an oversized body announced by Content-Length with 413', async () => {
    const response = await fetch(`http://127.0.0.1:${server.port()}/api/v1/domains`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'y'.repeat(2 * 1024 * 1024) }),
    });
    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'payload-too-large');
  });

  test('refuses to start on a port another server holds', async () => {
    const other = createHttpServer(testApp.app);
    await assert.rejects(other.start('127.0.0.1', server.port()!), /EADDRINUSE/);
    assert.equal(other.port(), null);
  });

  test('stops listening, even with a keep-alive connection open', async () => {
    const port = server.port();
    await server.stop();
    assert.equal(server.port(), null);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
  });
});
