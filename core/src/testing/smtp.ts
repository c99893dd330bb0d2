import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One mail as the SMTP server received it: the envelope, and the message as sent. */
export interface ReceivedMail {
  /** `MAIL FROM`. */
  from: string;
  /** Every `RCPT TO` of the transaction, in order. */
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
  /** Every `RCPT TO` ever given, accepted or not, oldest first. */
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
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // Internationalised local parts are accepted as a real relay would.
    size: 10 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      recipients.push(address.address);
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const envelope = session.envelope;
        received.push({
          from: envelope.mailFrom ? envelope.mailFrom.address : '',
          rcptTo: envelope.rcptTo.map((to) => to.address),
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
