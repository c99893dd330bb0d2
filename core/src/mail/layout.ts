/**
 * The one shape every Tandem mail takes, in text and in HTML: a greeting,
 * paragraphs, one main link (a button in HTML, the address in full in both
 * parts), optional notes, the signature and an optional footer. Kinds of
 * mail differ only in the {@link MailBody} they fill from their messages.
 */
import type { MailLocale } from './format.js';
import { mailMessages } from './messages/index.js';

/** A rendered mail, ready for `Mailer.send`. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** A paragraph, or a bulleted list when an array. */
export type MailBlock = string | string[];

/** What a mail says, already in its language; {@link composeMail} lays it out. */
export interface MailBody {
  subject: string;
  greeting: string;
  /** Paragraphs (and lists) before the link. */
  blocks: MailBlock[];
  /** The main link: the sentence right before it, the button's words, the address. */
  link: {
    intro: string;
    button: string;
    url: string;
    /** Whether the intro also stands as a paragraph above the button in HTML. */
    introInHtml?: boolean;
  };
  /** A one-time code under the link, for clients that break links. */
  code?: { expiry: string; intro: string; token: string };
  /** A small note after the link (why one may ignore the mail). */
  aside?: string;
  /** Why the mail came, in small print after the signature, and the way out. */
  footer?: { text: string; unsubscribe?: { url: string; label: string } };
}

/**
 * Escapes text for HTML element content and quoted attribute values.
 *
 * @example
 * escapeHtml('<b>"Tom" & Jerry</b>'); // '&lt;b&gt;&quot;Tom&quot; &amp; Jerry&lt;/b&gt;'
 */
export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const BUTTON_STYLE =
  'display: inline-block; padding: 0.6em 1.2em; background: #1b7f4c; color: #ffffff; text-decoration: none; border-radius: 6px;';

/**
 * Lays a mail out in text and HTML. Every string is escaped in the HTML;
 * the text part keeps characters as written.
 *
 * @param locale - the mail's language (the HTML's `lang`)
 * @param body - what it says
 * @param signature - the closing line; default the language's "— Tandem"
 *
 * @example
 * const mail = composeMail('fr', {
 *   subject, greeting: 'Bonjour,', blocks: ['…'], link: { intro: 'Voir :', button: 'Voir', url },
 * });
 */
export function composeMail(
  locale: MailLocale,
  body: MailBody,
  signature: string = mailMessages[locale].signature,
): RenderedMail {
  const { link, code, aside, footer } = body;
  const out = footer?.unsubscribe;

  const text = [
    body.greeting,
    '',
    ...body.blocks.flatMap((block) =>
      typeof block === 'string' ? [block, ''] : [...block.map((item) => `- ${item}`), ''],
    ),
    link.intro,
    link.url,
    '',
    ...(code ? [code.expiry, `${code.intro} ${code.token}`, ''] : []),
    ...(aside !== undefined ? [aside, ''] : []),
    signature,
    '',
    ...(footer ? [footer.text, ...(out ? [out.url] : []), ''] : []),
  ].join('\n');

  const paragraphs = [...body.blocks, ...(link.introInHtml ? [link.intro] : [])].map((block) =>
    typeof block === 'string'
      ? `<p>${escapeHtml(block)}</p>`
      : `<ul>${block.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`,
  );
  const html = [
    '<!doctype html>',
    `<html lang="${locale}">`,
    `<head><meta charset="utf-8"><title>${escapeHtml(body.subject)}</title></head>`,
    '<body style="font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2933; max-width: 36em;">',
    `<p>${escapeHtml(body.greeting)}</p>`,
    ...paragraphs,
    `<p><a href="${escapeHtml(link.url)}" style="${BUTTON_STYLE}">${escapeHtml(link.button)}</a></p>`,
    `<p style="font-size: 0.9em; word-break: break-all;">${escapeHtml(link.url)}</p>`,
    ...(code
      ? [
          `<p>${escapeHtml(code.expiry)}<br>${escapeHtml(code.intro)} <code>${escapeHtml(code.token)}</code></p>`,
        ]
      : []),
    ...(aside !== undefined
      ? [`<p style="font-size: 0.9em; color: #52606d;">${escapeHtml(aside)}</p>`]
      : []),
    `<p>${escapeHtml(signature)}</p>`,
    ...(footer
      ? [
          `<p style="font-size: 0.85em; color: #52606d;">${escapeHtml(footer.text)}${
            out ? ` <a href="${escapeHtml(out.url)}">${escapeHtml(out.label)}</a>` : ''
          }</p>`,
        ]
      : []),
    '</body>',
    '</html>',
    '',
  ].join('\n');

  return { subject: body.subject, text, html };
}
