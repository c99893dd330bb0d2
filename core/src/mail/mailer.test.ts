import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEmailField } from '../domain/email.js';
import { TandemError } from '../errors.js';
import { createMemoryMailer, createSmtpMailer, recipientOf, type OutgoingMail } from './mailer.js';

interface CapturedMail {
  from: string;
  to: string[];
  auth: string | undefined;
  data: string;
}

/**
 * Just enough of an SMTP server (RFC 5321) for nodemailer to deliver one
 * plain mail to: greeting, EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT.
 * It resolves `received` with each mail it has accepted.
 */
async function startSmtpServer(): Promise<{
  port: number;
  received: Promise<CapturedMail>;
  stop(): Promise<void>;
}> {
  let deliver!: (mail: CapturedMail) => void;
  const received = new Promise<CapturedMail>((resolve) => {
    deliver = resolve;
  });
  const sockets = new Set<Socket>();

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setEncoding('utf8');
    let buffer = '';
    let mode: 'command' | 'auth' | 'data' = 'command';
    let current: CapturedMail = { from: '', to: [], auth: undefined, data: '' };
    const reply = (line: string): void => {
      socket.write(`${line}\r\n`);
    };

    const onCommand = (line: string): void => {
      const verb = line.split(' ', 1)[0]?.toUpperCase() ?? '';
      if (mode === 'auth') {
        current.auth = Buffer.from(line, 'base64').toString('utf8');
        mode = 'command';
        return reply('235 2.7.0 Authentication successful');
      }
      switch (verb) {
        case 'EHLO':
          return reply('250-localhost\r\n250 AUTH PLAIN');
        case 'HELO':
          return reply('250 localhost');
        case 'AUTH': {
          const initial = line.split(' ')[2];
          if (initial === undefined) {
            mode = 'auth';
            return reply('334 ');
          }
          current.auth = Buffer.from(initial, 'base64').toString('utf8');
          return reply('235 2.7.0 Authentication successful');
        }
        case 'MAIL':
          current.from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          return reply('250 2.1.0 OK');
        case 'RCPT':
          current.to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          return reply('250 2.1.5 OK');
        case 'DATA':
          mode = 'data';
          return reply('354 End data with <CR><LF>.<CR><LF>');
        case 'RSET':
        case 'NOOP':
          return reply('250 OK');
        case 'QUIT':
          reply('221 Bye');
          socket.end();
          return;
        default:
          return reply('502 5.5.2 Command not implemented');
      }
    };

    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        if (mode === 'data') {
          // The data ends with a line holding a single dot.
          const end = buffer.indexOf('\r\n.\r\n');
          if (end === -1) return;
          // Undo dot-stuffing: a line starting with "." was sent as "..".
          current.data = buffer.slice(0, end + 2).replace(/^\.\./gm, '.');
          buffer = buffer.slice(end + 5);
          mode = 'command';
          deliver(current);
          current = { from: '', to: [], auth: current.auth, data: '' };
          reply('250 2.0.0 Queued');
          continue;
        }
        const end = buffer.indexOf('\r\n');
        if (end === -1) return;
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        onCommand(line);
      }
    });
    reply('220 localhost ESMTP test');
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    received,
    async stop() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

const signIn: OutgoingMail = {
  to: parseEmailField('ada@example.org', 'to'),
  subject: 'Your Tandem sign-in link',
  text: 'Open https://tandem.example.org/s/abc to sign in. Code: abc',
  purpose: 'sign-in',
  token: 'abc',
};

describe('createSmtpMailer', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('delivers a mail over SMTP, with the credentials of the URL', async () => {
    const server = await startSmtpServer();
    cleanups.push(server.stop);
    const mailer = createSmtpMailer({
      url: `smtp://tandem:s3cret@127.0.0.1:${server.port}`,
      from: 'Tandem <no-reply@tandem.example.org>',
    });
    cleanups.push(() => mailer.close());

    await mailer.send(signIn);
    const mail = await server.received;

    expect(mail.from).toBe('no-reply@tandem.example.org');
    expect(mail.to).toEqual(['ada@example.org']);
    expect(mail.auth).toBe('\0tandem\0s3cret');
    expect(mail.data).toMatch(/^To: ada@example\.org\r$/m);
    expect(mail.data).toMatch(/^Subject: Your Tandem sign-in link\r$/m);
    expect(mail.data).toContain('Open https://tandem.example.org/s/abc to sign in. Code: abc');
  });

  it('fails with TANDEM_UNAVAILABLE when no server listens', async () => {
    const server = await startSmtpServer();
    await server.stop();
    const mailer = createSmtpMailer({
      url: `smtp://127.0.0.1:${server.port}`,
      from: 'no-reply@tandem.example.org',
    });
    cleanups.push(() => mailer.close());

    const error = await mailer.send(signIn).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TandemError);
    expect(error).toMatchObject({ code: 'TANDEM_UNAVAILABLE', status: 503 });
    expect((error as Error).message).not.toContain('ada@example.org');
  });

  it('refuses a URL that is not SMTP, without repeating it', () => {
    for (const url of ['not a url', 'https://user:hunter2@mail.example.org']) {
      let caught: unknown;
      try {
        createSmtpMailer({ url, from: 'no-reply@tandem.example.org' });
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ code: 'TANDEM_CONFIG_INVALID' });
      expect((caught as Error).message).not.toContain('hunter2');
    }
  });
});

describe('recipientOf', () => {
  it('refuses a string or a forged address at the last stop, whatever the adapter', async () => {
    const forged = [
      'ada@example.org',
      { canonical: 'ada+x,eve@example.org' },
      { canonical: 'Ada@Example.org' },
      undefined,
    ];
    for (const to of forged) {
      const mail = { ...signIn, to } as unknown as OutgoingMail;
      expect(() => recipientOf(mail)).toThrow(/parsed e-mail address/);
      await expect(createMemoryMailer().send(mail)).rejects.toThrow(/parsed e-mail address/);
      const smtp = createSmtpMailer({ url: 'smtp://127.0.0.1:9', from: 'no-reply@example.org' });
      await expect(smtp.send(mail)).rejects.toThrow(/parsed e-mail address/);
      await smtp.close();
    }
    expect(recipientOf(signIn)).toBe('ada@example.org');
  });
});

describe('createMemoryMailer', () => {
  it('keeps copies of what it sends, token and purpose included', async () => {
    const mailer = createMemoryMailer();
    const mail = { ...signIn };
    await mailer.send(mail);
    mail.subject = 'changed afterwards';
    expect(mailer.sent).toEqual([signIn]);
    await mailer.close();
    await expect(mailer.send(signIn)).rejects.toThrow(/closed/);
  });
});
