/** Serves the built page (dist/web) and the current job's files on 127.0.0.1, on a free port. */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { JOB_PATH } from './protocol.js';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
};

/** In-memory files under /__job/ (job.json and the data arrays), replaced per job. */
export type JobFiles = Map<string, Uint8Array>;

export type PageServer = { url: string; setJob: (files: JobFiles) => void; close: () => Promise<void> };

function send(res: ServerResponse, status: number, type: string, body: Uint8Array | string): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(body);
}

export async function servePage(root: string): Promise<PageServer> {
  let job: JobFiles = new Map();
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    if (path.startsWith(`/${JOB_PATH}/`)) {
      const body = job.get(path.slice(JOB_PATH.length + 2));
      if (body === undefined) return send(res, 404, 'text/plain', 'no such job file');
      return send(res, 200, path.endsWith('.json') ? MIME['.json'] : 'application/octet-stream', body);
    }
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) return send(res, 404, 'text/plain', 'not found');
    res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  };
  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    setJob: (files) => {
      job = files;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
