// eslint-disable-next-line no-restricted-imports -- IDNA (UTS #46) conversions only: pure functions, no I/O
import { domainToASCII, domainToUnicode } from 'node:url';
import { invalid } from '../errors.js';

declare const emailAddressBrand: unique symbol;

/**
 * An e-mail address that passed Tandem's one grammar, carrying the canonical
 * form that identifies a person (API.md, "Who counts"). Only
 * {@link parseEmail} makes one, so a function that takes an `EmailAddress`
 * cannot be handed the text a client typed: the raw string is read once, at
 * the edge, and every later stop (rate limit, participant, token, audience
 * rule, mailer) reads the same value. Immutable.
 *
 * The canonical form is also where mail goes: mail is sent to the address the
 * identity belongs to, never to the spelling that asked for it.
 */
export interface EmailAddress {
  /** `local@domain`, the person's identity and the one mail recipient. */
  readonly canonical: string;
  /** The canonical local part: NFC, lower case, no `+tag` (and no dots on Gmail). */
  readonly local: string;
  /** The domain in ASCII (`xn--` labels for an internationalised one), lower case. */
  readonly domain: string;
  /** The same domain as people read it (`bücher.example`), for display only. */
  readonly unicodeDomain: string;
  readonly [emailAddressBrand]: true;
}

/** What {@link parseEmail} answers: the address, or why the text is not one. */
export type EmailParse = { ok: true; address: EmailAddress } | { ok: false; reason: string };

/**
 * Gmail ignores dots in the local part and treats googlemail.com as
 * gmail.com, so these are one mailbox and must be one person.
 */
const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/** More than this is no address, and not worth normalizing (bounds the work on hostile input). */
const MAX_INPUT_LENGTH = 512;
/** RFC 5321: 64 octets of local part, 254 for the whole path, 253 for a domain, 63 a label. */
const MAX_LOCAL_OCTETS = 64;
const MAX_ADDRESS_OCTETS = 254;
const MAX_DOMAIN_OCTETS = 253;

/**
 * Characters that show nothing or reorder what is shown: controls, format
 * characters (zero-width spaces and joiners, bidi marks and embeddings, soft
 * hyphen, BOM), other default-ignorables (variation selectors, combining
 * grapheme joiner, Hangul fillers), surrogates, private use, unassigned.
 * Two addresses that look the same must not be two people, so these are
 * refused anywhere, not stripped.
 */
const INVISIBLE = /[\p{C}\p{Default_Ignorable_Code_Point}]/u;
/** Any space, including non-breaking and ideographic ones. */
const SPACE = /[\s\p{Z}]/u;
/**
 * ASCII allowed in a local part: RFC 5322's atext without `%` and `!`, which
 * some mail servers still read as source routes (`victim%other@relay`,
 * `relay!victim@…`), i.e. as another recipient than the one we counted.
 */
const LOCAL_ASCII = /^[a-z0-9#$&'*+/=?^_`{|}~.-]$/;
/** Beyond ASCII, a local or domain character must be a letter, a mark or a digit. */
const WORD = /^[\p{L}\p{M}\p{N}]$/u;
/** One ASCII label of a domain, after IDNA. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const refuse = (reason: string): EmailParse => ({ ok: false, reason });
const octets = (text: string): number => Buffer.byteLength(text, 'utf8');

/** The first refused character class found, as a reason; `undefined` when none. */
function forbiddenCharacter(text: string): string | undefined {
  if (/[,;]/.test(text)) return 'must be one address, without "," or ";"';
  if (text.includes('"')) return 'must not quote its local part';
  if (/[<>]/.test(text)) return 'must be a bare address, without "<" or ">"';
  if (/[()]/.test(text)) return 'must not hold a comment in parentheses';
  if (text.includes('\\')) return 'must not hold a backslash';
  if (/[[\]]/.test(text)) return 'must have a domain name, not an IP address in brackets';
  if (INVISIBLE.test(text))
    return 'must not hold control, zero-width, bidirectional or other invisible characters';
  if (SPACE.test(text)) return 'must not hold spaces';
  return undefined;
}

/** Why a local part (already NFC and lower case) is refused; `undefined` when it is fine. */
function localProblem(local: string): string | undefined {
  if (local.length === 0) return 'needs something before the "@"';
  if (octets(local) > MAX_LOCAL_OCTETS)
    return `must have at most ${MAX_LOCAL_OCTETS} bytes before the "@"`;
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..'))
    return 'must not start or end its local part with a dot, nor hold two dots in a row';
  for (const char of local) {
    if (char.charCodeAt(0) < 0x80 ? !LOCAL_ASCII.test(char) : !WORD.test(char))
      return `must not hold "${char}" before the "@"`;
  }
  return undefined;
}

/** The ASCII (IDNA) form of a domain, or why it is refused. */
function asciiDomain(domain: string): { ok: true; ascii: string } | { ok: false; reason: string } {
  const bad = (reason: string) => ({ ok: false as const, reason });
  if (domain.length === 0) return bad('needs a domain after the "@"');
  for (const char of domain) {
    const isAscii = char.charCodeAt(0) < 0x80;
    if (isAscii ? !/^[a-z0-9.-]$/.test(char) : !WORD.test(char))
      return bad(`must not hold "${char}" in its domain`);
  }
  const ascii = domainToASCII(domain);
  // Empty: IDNA refused it (a broken xn-- label…). The round trip must be
  // exact, or the canonical form would not be stable.
  if (ascii === '' || domainToASCII(domainToUnicode(ascii)) !== ascii)
    return bad('must have a valid domain name');
  if (octets(ascii) > MAX_DOMAIN_OCTETS)
    return bad(`must have a domain of at most ${MAX_DOMAIN_OCTETS} characters`);
  const labels = ascii.split('.');
  if (labels.length < 2) return bad('must have a domain with a dot, such as example.org');
  if (!labels.every((label) => LABEL.test(label)))
    return bad('must have a valid domain name (letters, digits and inner dashes between dots)');
  // A numeric last label is an IPv4 address (URL parsers also read 0x7f.1
  // that way): mail goes to names, never to an address typed by a client.
  if (/^[0-9]+$/.test(labels.at(-1) ?? ''))
    return bad('must have a domain name, not an IP address');
  return { ok: true, ascii };
}

/**
 * Reads `raw` as one e-mail address under Tandem's strict grammar and gives
 * its canonical form, or the reason it is refused. Surrounding whitespace is
 * forgiven (people paste it); nothing else is repaired.
 *
 * Refused: list separators (`,` `;`), quoted local parts, angle brackets,
 * comments, backslashes, IP-literal or numeric domains, any whitespace
 * inside, control, zero-width, bidirectional and other invisible characters,
 * more than one `@`, leading, trailing or doubled dots in the local part,
 * `%` and `!` (source routes), bad domain labels and over-long parts.
 *
 * The canonical form (see decisions/0011): Unicode NFC; lower case; any
 * `+tag` dropped; on gmail.com / googlemail.com the dots dropped and the
 * domain gmail.com; the domain in its ASCII `xn--` form, which every mail
 * server understands, so `jane@bücher.example` and
 * `jane@xn--bcher-kva.example` are one address. Parsing a canonical form
 * gives it back unchanged.
 *
 * @example parseEmail(' Jane.Doe+x@Example.org') // ok, canonical 'jane.doe@example.org'
 * @example parseEmail('jane@bücher.example') // ok, canonical 'jane@xn--bcher-kva.example'
 * @example parseEmail('alice+x,eve@a.example') // refused: a list
 */
export function parseEmail(raw: unknown): EmailParse {
  if (typeof raw !== 'string') return refuse('must be a string');
  if (raw.length > MAX_INPUT_LENGTH) return refuse('is too long to be an e-mail address');
  const trimmed = raw.trim();
  const problem = forbiddenCharacter(trimmed);
  if (problem) return refuse(problem);
  // NFC before and after lower-casing: a lower-case letter may compose with
  // a following mark into one that the first pass left apart.
  const text = trimmed.normalize('NFC').toLowerCase().normalize('NFC');
  const parts = text.split('@');
  if (parts.length < 2) return refuse('must hold an "@"');
  if (parts.length > 2) return refuse('must hold exactly one "@"');
  const [typedLocal = '', typedDomain = ''] = parts;
  if (octets(text) > MAX_ADDRESS_OCTETS)
    return refuse(`must have at most ${MAX_ADDRESS_OCTETS} bytes`);
  const typedProblem = localProblem(typedLocal);
  if (typedProblem) return refuse(typedProblem);
  const domain = asciiDomain(typedDomain);
  if (!domain.ok) return refuse(domain.reason);

  let local = typedLocal;
  let ascii = domain.ascii;
  const plus = local.indexOf('+');
  if (plus >= 0) local = local.slice(0, plus);
  if (GMAIL_DOMAINS.has(ascii)) {
    local = local.replaceAll('.', '');
    ascii = 'gmail.com';
  }
  // What is left must itself be an address of the grammar ("jane.+x@…"
  // leaves "jane."), so that parsing the canonical form gives it back.
  const canonicalProblem = localProblem(local);
  if (canonicalProblem) return refuse(`${canonicalProblem} once its +tag is dropped`);
  const canonical = `${local}@${ascii}`;
  if (octets(canonical) > MAX_ADDRESS_OCTETS)
    return refuse(`must have at most ${MAX_ADDRESS_OCTETS} bytes`);
  return { ok: true, address: makeAddress(local, ascii) };
}

function makeAddress(local: string, domain: string): EmailAddress {
  const canonical = `${local}@${domain}`;
  const address = {
    canonical,
    local,
    domain,
    unicodeDomain: domainToUnicode(domain),
    // Interpolated or serialized, it reads as the canonical address, never
    // as "[object Object]".
    toString: () => canonical,
    toJSON: () => canonical,
  };
  return Object.freeze(address) as unknown as EmailAddress;
}

/**
 * {@link parseEmail} for a request field: the address, or a 400
 * (`TANDEM_REQUEST_INVALID`) naming the field and the reason.
 *
 * @param field - the field's path in the request, e.g. `email` or `participant/email`.
 * @throws TandemError `TANDEM_REQUEST_INVALID` when `raw` is not one address.
 *
 * @example const email = parseEmailField(body.email, 'email');
 */
export function parseEmailField(raw: unknown, field: string): EmailAddress {
  const parsed = parseEmail(raw);
  if (!parsed.ok) throw invalid(field, parsed.reason);
  return parsed.address;
}

/**
 * The address of a stored row (a participant's canonical e-mail), or `null`
 * when the row holds none or one written before the grammar was strict that
 * it now refuses: such a row gets no mail rather than a mail to text nobody
 * checked.
 */
export function storedEmail(canonical: string | null | undefined): EmailAddress | null {
  if (canonical === null || canonical === undefined) return null;
  const parsed = parseEmail(canonical);
  return parsed.ok ? parsed.address : null;
}

/**
 * Whether two values are the same address (the same person). Compares the
 * canonical forms; the objects themselves are not shared.
 */
export function sameEmail(a: EmailAddress, b: EmailAddress): boolean {
  return a.canonical === b.canonical;
}

/**
 * A domain as an audience rule names it (`grdf.fr`, `bücher.example`,
 * `googlemail.com`), in the form {@link EmailAddress.domain} takes, so the
 * two compare as plain strings; `null` when it is no mail domain.
 *
 * @example canonicalDomain('Bücher.example') // 'xn--bcher-kva.example'
 */
export function canonicalDomain(raw: string): string | null {
  const parsed = parseEmail(`x@${raw.trim()}`);
  return parsed.ok ? parsed.address.domain : null;
}
