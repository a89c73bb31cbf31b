import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ApiHarness, createApiHarness, type Json } from './api-harness.js';

describe('GET /api/docs', () => {
  let api: ApiHarness;
  let document: Json;
  let page: Response;
  let html: string;
  before(async () => {
    api = await createApiHarness();
    document = (
      await api.call('GET', '/api/v1/openapi.json', { token: null, headers: { host: 'mw.test:8025' } })
    ).body;
    page = await api.http.request('/api/docs', { headers: { host: 'mw.test:8025' } });
    html = await page.text();
  });
  after(() => api.cleanup());

  test('answers an HTML page without a token, under a CSP that allows no script and nothing from elsewhere', () => {
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const policy = page.headers.get('content-security-policy') ?? '';
    assert.match(policy, /default-src 'none'/);
    assert.doesNotMatch(policy, /script-src|unsafe-inline|https?:/);
    assert.doesNotMatch(html, /<script|<link|src="http|href="https?:\/\/(?!www\.gnu\.org)/);
  });

  test("lists every operation of the document with its summary, parameters and answers, under the operation's tag", () => {
    const operations = Object.entries(document.paths as Record<string, Record<string, Json>>).flatMap(
      ([path, methods]) =>
        Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
    assert.ok(operations.length > 50);
    for (const { path, method, operation } of operations) {
      const start = html.indexOf(`data-operation="${method} ${path}"`);
      assert.ok(start >= 0, `${method} ${path} is on the page`);
      const block = html.slice(start, html.indexOf('</div>', start));
      const escaped = (text: string) =>
        text
          .replace(/&/g, '&amp;')
          .replace(/</g, '&lt;')
          .replace(/>/g, '&gt;')
          .replace(/"/g, '&quot;')
          .replace(/'/g, '&#39;');
      assert.ok(block.includes(escaped(operation.summary)), `${method} ${path} shows its summary`);
      for (const parameter of operation.parameters ?? [])
        assert.ok(
          block.includes(`<code>${parameter.name}</code>`),
          `${method} ${path} shows ${parameter.name}`,
        );
      for (const status of Object.keys(operation.responses))
        assert.ok(block.includes(`<td>${status}</td>`), `${method} ${path} shows its ${status} answer`);
      if (operation.requestBody)
        assert.ok(block.includes('Request body'), `${method} ${path} shows its body`);
      const section = html.lastIndexOf('<h2 id="tag-', start);
      assert.ok(
        html.slice(section).startsWith(`<h2 id="tag-${operation.tags[0]}"`),
        `${method} ${path} under its tag`,
      );
    }
  });

  test('the document names its server and its license', () => {
    assert.deepEqual(document.servers, [{ url: 'http://mw.test:8025' }]);
    assert.deepEqual(document.info.license, {
      name: 'AGPL-3.0-or-later',
      url: 'https://www.gnu.org/licenses/agpl-3.0.html',
    });
    assert.ok(html.includes('<code>http://mw.test:8025</code>'));
    assert.ok(html.includes('AGPL-3.0-or-later'));
  });
});

describe('the OpenAPI servers entry with a configured public URL', () => {
  let api: ApiHarness;
  before(async () => {
    api = await createApiHarness('sqlite', { overrides: { 'web.publicUrl': 'https://mail.example.org' } });
  });
  after(() => api.cleanup());

  test('is the public URL, not the Host the request named', async () => {
    const response = await api.call('GET', '/api/v1/openapi.json', {
      token: null,
      headers: { host: 'evil.test' },
    });
    assert.deepEqual(response.body.servers, [{ url: 'https://mail.example.org' }]);
  });
});
