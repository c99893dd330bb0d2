import { createTransport } from 'nodemailer';
import { parseEmail, type EmailAddress } from '../domain/email.js';
import { TandemError } from '../errors.js';

/**
 * What a mail is for. The known purposes are spelled out for completion; any
 * other string (a plugin's notification…) is accepted too.
 */
export type MailPurpose = 'sign-in' | 'pledge-confirmation' | (string & {});

/** One mail to send, already rendered (see `renderMail`). */
export interface OutgoingMail {
  /**
   * The one recipient: a parsed address, never text a client typed (a
   * string here would not compile). The mail goes to its canonical form.
   */
  to: EmailAddress;
  subject: string;
  /** The plain-text part; always present, for clients that show no HTML. */
  text: string;
  html?: string;
  /** What the mail is for; kept by the dev mailbox, not sent over SMTP. */
  purpose: MailPurpose;
  /** The one-time token the mail carries, if any; kept by the dev mailbox, not sent as such. */
  token?: string;
}

/**
 * Sends mail. Adapters: {@link createSmtpMailer} for real delivery and
 * {@link createMemoryMailer} for tests.
 */
export interface Mailer {
  /**
   * Sends one mail; resolves once the server has accepted it.
   *
   * @throws TandemError `TANDEM_UNAVAILABLE` when the mail server cannot be
   *   reached or refuses the mail.
   */
  send(mail: OutgoingMail): Promise<void>;
  /** Releases connections; later sends reject. */
  close(): Promise<void>;
}

/**
 * A mailer that delivers through an SMTP server.
 *
 * One connection per mail (no pool): Tandem sends mail one at a time, from
 * jobs, and a pooled connection left idle is one the server may drop under
 * us. TLS, if any, follows the URL: `smtps://` for implicit TLS, otherwise
 * STARTTLS when the server offers it (`?requireTLS=true` to insist).
 *
 * @param options.url - `smtp://user:pass@host:port` or `smtps://…`.
 * @param options.from - the sender, e.g. `Tandem <no-reply@example.org>`.
 * @throws TandemError `TANDEM_CONFIG_INVALID` when the URL is not an SMTP URL
 *   (the sentence never repeats the password).
 *
 * @example
 * const mailer = createSmtpMailer({ url: config.smtpUrl, from: 'Tandem <no-reply@example.org>' });
 * await mailer.send({ to, purpose: 'sign-in', token, ...renderMail('sign-in', 'fr', vars) });
 */
export function createSmtpMailer(options: { url: string; from: string }): Mailer {
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    throw new TandemError(
      'TANDEM_CONFIG_INVALID',
      'The SMTP URL is not a URL; expected smtp://user:pass@host:port or smtps://….',
    );
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new TandemError(
      'TANDEM_CONFIG_INVALID',
      `The SMTP URL must start with smtp:// or smtps://, not ${parsed.protocol}//.`,
    );
  }
  const transport = createTransport(options.url);
  const envelopeFrom = senderAddress(options.from);
  let isClosed = false;

  return {
    async send(mail) {
      if (isClosed) throw new Error('The SMTP mailer is closed.');
      const to = recipientOf(mail);
      try {
        await transport.sendMail({
          from: options.from,
          // An explicit envelope: nodemailer reads a `to` string as a list,
          // so the recipient is given as one address object and the RCPT TO
          // is exactly the canonical address, whatever the headers say.
          to: { name: '', address: to },
          envelope: { from: envelopeFrom, to: [to] },
          subject: mail.subject,
          text: mail.text,
          ...(mail.html === undefined ? {} : { html: mail.html }),
        });
      } catch (cause) {
        // The sentence names the server and nodemailer's error code, not its
        // message, which may quote the recipient: it ends up in logs and job
        // failure reasons. The original stays reachable as `cause`.
        const error = new TandemError(
          'TANDEM_UNAVAILABLE',
          `The mail server ${parsed.host} did not accept the ${mail.purpose} mail (${describeFailure(cause)}).`,
        );
        error.cause = cause;
        throw error;
      }
    },
    async close() {
      isClosed = true;
      transport.close();
    },
  };
}

/**
 * The envelope recipient of a mail: its address's canonical form, checked
 * once more at the last stop. The type already forbids a string; this also
 * stops a JavaScript caller, or an object forged with a cast, from handing
 * the mail server text that is not one canonical address.
 *
 * @throws Error when `to` is not an address in canonical form (a programming
 *   error, never a client's).
 */
export function recipientOf(mail: Pick<OutgoingMail, 'to'>): string {
  const canonical = (mail.to as { canonical?: unknown } | undefined)?.canonical;
  const parsed = parseEmail(canonical);
  if (!parsed.ok || parsed.address.canonical !== canonical) {
    throw new Error('A mail must be addressed to a parsed e-mail address (see parseEmail).');
  }
  return parsed.address.canonical;
}

/** The address inside a sender such as `Tandem <no-reply@example.org>`, for the envelope. */
function senderAddress(from: string): string {
  return /<([^<>]+)>\s*$/.exec(from)?.[1]?.trim() ?? from.trim();
}

/** "ECONNECTION", "EENVELOPE 550": what failed, without personal data. */
function describeFailure(cause: unknown): string {
  if (typeof cause !== 'object' || cause === null) return 'unknown error';
  const { code, responseCode } = cause as { code?: unknown; responseCode?: unknown };
  const parts = [code, responseCode].filter(
    (part): part is string | number => typeof part === 'string' || typeof part === 'number',
  );
  return parts.length > 0 ? parts.join(' ') : 'unknown error';
}

/**
 * A mailer that keeps what it is given, for tests: read `sent` to find the
 * mail and its token.
 *
 * @example
 * const mailer = createMemoryMailer();
 * // … exercise the code under test …
 * const token = mailer.sent.at(-1)?.token;
 */
export function createMemoryMailer(): Mailer & { sent: OutgoingMail[] } {
  const sent: OutgoingMail[] = [];
  let isClosed = false;
  return {
    sent,
    async send(mail) {
      if (isClosed) throw new Error('The memory mailer is closed.');
      recipientOf(mail);
      // A copy, so a caller mutating its object later cannot rewrite history.
      sent.push({ ...mail });
    },
    async close() {
      isClosed = true;
    },
  };
}
