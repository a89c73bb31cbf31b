import { createHash } from 'node:crypto';

/**
 * The API reference as one server-rendered HTML page, made from the OpenAPI document itself so that
 * it can never list other operations than the document. No script, and the only style is the inline
 * block below, allowed by its hash: the page works offline and under a CSP that forbids everything else.
 */

type Json = Record<string, unknown>;

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
h2{border-bottom:1px solid #d0d7de;margin-top:2.5rem}
.op{border:1px solid #d0d7de;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.method{display:inline-block;min-width:4.5rem;font-weight:700;text-transform:uppercase}
code,pre{font:13px/1.4 ui-monospace,monospace}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;max-height:24rem}
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:.2rem .5rem;text-align:left;vertical-align:top}`;

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** Nothing loads but the inline style; no framing, no forms, no base URL. */
export const API_DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "frame-ancestors 'none'",
  "form-action 'none'",
  "base-uri 'none'",
].join('; ');

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

export function renderApiDocsPage(document: Json): string {
  const info = (document.info ?? {}) as Json;
  const license = (info.license ?? {}) as Json;
  const servers = ((document.servers ?? []) as Json[]).map((server) => String(server.url));
  const byTag = new Map<string, string[]>();
  for (const [path, operations] of Object.entries((document.paths ?? {}) as Record<string, Json>)) {
    for (const method of METHODS) {
      const operation = operations[method] as Json | undefined;
      if (!operation) continue;
      const tag = ((operation.tags as string[] | undefined) ?? ['other'])[0] ?? 'other';
      const list = byTag.get(tag) ?? [];
      list.push(renderOperation(method, path, operation, document));
      byTag.set(tag, list);
    }
  }
  const tags = [...byTag.keys()].sort();
  const schemas = (((document.components ?? {}) as Json).schemas ?? {}) as Record<string, unknown>;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(String(info.title ?? 'API'))} reference</title><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(String(info.title ?? 'API'))} <small>version ${escapeHtml(String(info.version ?? ''))}</small></h1>
<p>${escapeHtml(String(info.description ?? ''))}</p>
<p>Server: ${servers.map((url) => `<code>${escapeHtml(url)}</code>`).join(', ')}. Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.
Authentication: <code>Authorization: Bearer &lt;API token&gt;</code> unless an operation says it is public.
License: ${license.url ? `<a href="${escapeHtml(String(license.url))}">${escapeHtml(String(license.name))}</a>` : escapeHtml(String(license.name ?? ''))}.</p>
<nav><ul>${tags.map((tag) => `<li><a href="#tag-${anchor(tag)}">${escapeHtml(tag)}</a></li>`).join('')}<li><a href="#schemas">Schemas</a></li></ul></nav>
${tags.map((tag) => `<section><h2 id="tag-${anchor(tag)}">${escapeHtml(tag)}</h2>\n${(byTag.get(tag) ?? []).join('\n')}</section>`).join('\n')}
<section><h2 id="schemas">Schemas</h2>
${Object.entries(schemas)
  .map(
    ([name, schema]) =>
      `<h3 id="schema-${anchor(name)}">${escapeHtml(name)}</h3><pre>${escapeHtml(JSON.stringify(schema, null, 2))}</pre>`,
  )
  .join('\n')}
</section>
</body></html>
`;
}

function renderOperation(method: string, path: string, operation: Json, document: Json): string {
  const parameters = (operation.parameters ?? []) as Json[];
  const security = operation.security as unknown[] | undefined;
  const body = operation.requestBody as Json | undefined;
  const responses = (operation.responses ?? {}) as Record<string, Json>;
  return `<div class="op" id="op-${anchor(String(operation.operationId ?? `${method}-${path}`))}" data-operation="${escapeHtml(`${method} ${path}`)}">
<p><span class="method">${method}</span> <code>${escapeHtml(path)}</code>${security && security.length === 0 ? ' <em>(public)</em>' : ''}</p>
<p>${escapeHtml(String(operation.summary ?? ''))}${operation.description ? ` ${escapeHtml(String(operation.description))}` : ''}</p>
${
  parameters.length > 0
    ? `<h4>Parameters</h4><table><tr><th>Name</th><th>In</th><th>Required</th><th>Schema</th><th>Description</th></tr>${parameters
        .map(
          (parameter) =>
            `<tr><td><code>${escapeHtml(String(parameter.name))}</code></td><td>${escapeHtml(String(parameter.in))}</td><td>${parameter.required ? 'yes' : 'no'}</td><td><code>${escapeHtml(JSON.stringify(parameter.schema ?? {}))}</code></td><td>${escapeHtml(String(parameter.description ?? ''))}</td></tr>`,
        )
        .join('')}</table>`
    : ''
}
${body ? `<h4>Request body</h4>${renderContent(body, document)}` : ''}
<h4>Responses</h4><table><tr><th>Status</th><th>Description</th><th>Body</th></tr>${Object.entries(responses)
    .map(([status, response]) => {
      const resolved = resolve(response, document);
      return `<tr><td>${escapeHtml(status)}</td><td>${escapeHtml(String(resolved.description ?? ''))}</td><td>${schemaLink(resolved)}</td></tr>`;
    })
    .join('')}</table>
</div>`;
}

/** A request body in full: its schema, resolved one level, so the fields show next to the operation. */
function renderContent(body: Json, document: Json): string {
  const schema = firstSchema(body);
  if (!schema) return '<p>(no body)</p>';
  return `<p>${schemaLink(body)}</p><pre>${escapeHtml(JSON.stringify(resolve(schema, document), null, 2))}</pre>`;
}

function schemaLink(response: Json): string {
  const schema = firstSchema(response);
  const ref = schema?.$ref;
  if (typeof ref !== 'string') return '';
  const name = ref.split('/').pop() ?? ref;
  return `<a href="#schema-${anchor(name)}"><code>${escapeHtml(name)}</code></a>`;
}

function firstSchema(holder: Json): Json | undefined {
  const content = (holder.content ?? {}) as Record<string, Json>;
  const media = Object.values(content)[0];
  return media?.schema as Json | undefined;
}

function resolve(value: Json, document: Json): Json {
  const ref = value.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return value;
  let target: unknown = document;
  for (const part of ref.slice(2).split('/')) target = (target as Json | undefined)?.[part];
  return (target as Json | undefined) ?? value;
}

function anchor(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '-');
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
