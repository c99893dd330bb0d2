import type { IncomingMessage, ServerResponse } from 'node:http';

/** The site's Node request handler, built by adapter-node into build/handler.js. */
export declare const handler: (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
