import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ApiError } from '../api-error.js';

/** The page's own files: next to the sources, found the same way from src/ and dist/. */
const WEB_DIR = fileURLToPath(new URL('../../../src/server/web/', import.meta.url));
const packageDir = (name: string) => dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));

/**
 * Every file the page may load, by the name it asks for: its own, and the charting and graph
 * layout libraries as installed in node_modules (pinned in package.json, never a CDN).
 */
const ASSETS: Record<string, () => string> = {
  'app.js': () => join(WEB_DIR, 'app.js'),
  'api.js': () => join(WEB_DIR, 'api.js'),
  'dom.js': () => join(WEB_DIR, 'dom.js'),
  'runs-chart.js': () => join(WEB_DIR, 'runs-chart.js'),
  'run-detail.js': () => join(WEB_DIR, 'run-detail.js'),
  'sync-graph.js': () => join(WEB_DIR, 'sync-graph.js'),
  'style.css': () => join(WEB_DIR, 'style.css'),
  'vendor/uPlot.esm.js': () => join(packageDir('uplot'), 'dist', 'uPlot.esm.js'),
  'vendor/uPlot.min.css': () => join(packageDir('uplot'), 'dist', 'uPlot.min.css'),
  'vendor/dagre.esm.js': () => join(packageDir('@dagrejs/dagre'), 'dist', 'dagre.esm.js'),
};

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/**
 * The web page at `/`: static files only. It reads everything through the API with the token
 * the person types in, so the page itself needs none and holds no data.
 */
export function webRoutes(): FastifyPluginAsyncZod {
  const send = async (path: string) => readFile(path);
  return async (app) => {
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type(TYPES['.html']!)
        .header('cache-control', 'no-cache')
        .send(await send(join(WEB_DIR, 'index.html'))),
    );
    app.get('/ui/*', { schema: { hide: true } }, async (request, reply) => {
      const name = (request.params as { '*': string })['*'];
      const file = ASSETS[name];
      if (!file) throw new ApiError(404, 'SPOKE_API_NOT_FOUND', `The page has no file "${name}".`);
      return reply
        .type(TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream')
        .header('cache-control', 'no-cache')
        .send(await send(file()));
    });
  };
}
