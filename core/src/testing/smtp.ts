import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One mail as the SMTP server received it: the envelope, and the message as sent. */
export interface ReceivedMail {
  /** `MAIL FROM`, as the client wrote it. */
  from: string;
  /** Every `RCPT TO` of the transaction, in order, byte for byte as the client wrote it. */
  rcptTo: string[];
  /** The raw message (headers and body). */
  data: string;
}

/** A real SMTP server on a free loopback port, keeping every mail it accepts. */
export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>`, for `SMTP_URL`. */
  url: string;
  /** Mails accepted so far, oldest first. */
  received: ReceivedMail[];
  /** Every `RCPT TO` ever given, accepted or not, as written, oldest first. */
  recipients: string[];
  /** Resolves once `count` mails have been accepted (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
}

/**
 * Starts an SMTP server (the `smtp-server` package, the same protocol code a
 * production relay speaks) on a free loopback port, without TLS or
 * authentication. Tests assert on the envelope it saw, which is where a
 * mail really goes whatever its headers say.
 *
 * Test-only: not exported from `@tandem/core/testing`, whose users need not
 * install `smtp-server`.
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const recipients: string[] = [];
  const waiters = new Set<() => void>();
  // The envelope as written on the wire, per connection. smtp-server's own
  // parsed envelope turns an `xn--` domain into Unicode, which would hide
  // the very form a test must see; its command log keeps each line as sent.
  const wire = new Map<string, { from: string; rcptTo: string[] }>();
  const quiet = (): void => undefined;
  const logger = {
    level: quiet,
    trace: quiet,
    info: quiet,
    warn: quiet,
    error: quiet,
    fatal: quiet,
    debug(meta: unknown, _format: unknown, line: unknown) {
      const { tnx, cid, command } = (meta ?? {}) as Record<string, unknown>;
      if (tnx !== 'command' || typeof cid !== 'string' || typeof line !== 'string') return;
      const address = /^[A-Z ]+:\s*<([^>]*)>/i.exec(line)?.[1] ?? line;
      if (command === 'MAIL') wire.set(cid, { from: address, rcptTo: [] });
      if (command === 'RCPT') {
        wire.get(cid)?.rcptTo.push(address);
        recipients.push(address);
      }
    },
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger,
    size: 10 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const envelope = wire.get(session.id) ?? { from: '', rcptTo: [] };
        wire.delete(session.id);
        received.push({
          from: envelope.from,
          rcptTo: envelope.rcptTo,
          data: Buffer.concat(chunks).toString('utf8'),
        });
        for (const wake of waiters) wake();
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    recipients,
    async waitFor(count, timeoutMs = 5000) {
      if (received.length >= count) return received.slice();
      return new Promise<ReceivedMail[]>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} mails, the SMTP server got ${received.length}`));
        }, timeoutMs);
        const check = (): void => {
          if (received.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(received.slice());
        };
        waiters.add(check);
      });
    },
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
