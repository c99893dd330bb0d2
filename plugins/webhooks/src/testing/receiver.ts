/**
 * A real HTTP receiver for the plugin's tests: node:http on 127.0.0.1 and a
 * free port, recording every request and answering from a script per path.
 * Not part of the built package (tsconfig.build.json excludes src/testing).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An answer: an HTTP status, or `'hang'` to never answer. */
export type Answer = number | 'hang';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** `performance.now()` when the request arrived. */
  at: number;
}

export interface Receiver {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Answers for `path`: `answers` in turn, then `then` for every later request (default 200). */
  script(path: string, answers: Answer[], then?: Answer): void;
  /** Requests to `path`, oldest first. */
  received(path: string): ReceivedRequest[];
  close(): Promise<void>;
}

/** Starts a receiver; close it in `afterAll`. */
export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const scripts = new Map<string, { answers: Answer[]; then: Answer }>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = (request.url ?? '/').split('?')[0] ?? '/';
      requests.push({
        path,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: performance.now(),
      });
      const script = scripts.get(path);
      const answer = script ? (script.answers.shift() ?? script.then) : 200;
      if (answer === 'hang') return;
      response.writeHead(answer, { 'content-type': 'text/plain' });
      response.end(answer >= 200 && answer < 300 ? 'ok' : `answer ${answer}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    script(path, answers, then = 200) {
      scripts.set(path, { answers: [...answers], then });
    },
    received: (path) => requests.filter((request) => request.path === path),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
