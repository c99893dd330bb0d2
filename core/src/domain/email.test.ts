import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  canonicalDomain,
  parseEmail,
  parseEmailField,
  sameEmail,
  storedEmail,
  type EmailAddress,
} from './email.js';
import { TandemError } from '../errors.js';

function canonical(raw: string): string {
  const parsed = parseEmail(raw);
  if (!parsed.ok) throw new Error(`${JSON.stringify(raw)} was refused: ${parsed.reason}`);
  return parsed.address.canonical;
}

function isRefused(raw: unknown): boolean {
  return !parseEmail(raw).ok;
}

/** Every character class the grammar refuses, as one pattern. */
const REFUSED_IN_CANONICAL =
  /[,;"<>()\\[\]%!\s\p{Z}\p{C}\p{Default_Ignorable_Code_Point}\u00ad\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\u061c\ufeff]/u;

describe('parseEmail: the canonical form', () => {
  it('given the same person typed two ways, when parsed, then one canonical form', () => {
    expect(canonical('Jane.Doe+x@Example.org')).toBe('jane.doe@example.org');
    expect(canonical(' jane.doe@example.org\n')).toBe('jane.doe@example.org');
  });

  it('given a domain other than gmail, when parsed, then dots in the local part matter', () => {
    expect(canonical('jane.doe@example.org')).not.toBe(canonical('janedoe@example.org'));
  });

  it('given gmail or googlemail with dots and a tag, when parsed, then one gmail.com mailbox', () => {
    expect(canonical('J.A.N.E+pledge@googlemail.com')).toBe('jane@gmail.com');
    expect(canonical('jane@GMAIL.com')).toBe('jane@gmail.com');
  });

  it('given an internationalised domain, its xn-- form, upper case or NFD, then one ASCII domain', () => {
    const spellings = [
      'jane@bücher.example',
      'jane@xn--bcher-kva.example',
      'jane@XN--BCHER-KVA.example',
      'jane@BÜCHER.example',
      'jane@bu\u0308cher.example',
      'jane+news@bücher.example',
    ];
    for (const spelling of spellings)
      expect(canonical(spelling)).toBe('jane@xn--bcher-kva.example');
    const parsed = parseEmail('jane@bu\u0308cher.example');
    expect(parsed.ok && parsed.address.unicodeDomain).toBe('bücher.example');
  });

  it('given a Unicode local part in NFD or upper case, when parsed, then NFC lower case', () => {
    expect(canonical('Jo\u0308rg@example.org')).toBe('j\u00f6rg@example.org');
    expect(canonical('JÖRG@example.org')).toBe('j\u00f6rg@example.org');
  });

  it('gives a frozen value that reads as its canonical form', () => {
    const parsed = parseEmail('Jane@Example.org');
    if (!parsed.ok) throw new Error('refused');
    const address: EmailAddress = parsed.address;
    expect(Object.isFrozen(address)).toBe(true);
    expect(`${address}`).toBe('jane@example.org');
    expect(JSON.stringify({ to: address })).toBe('{"to":"jane@example.org"}');
    expect(address.local).toBe('jane');
    expect(address.domain).toBe('example.org');
  });

  it('given a local part that is only a tag, when parsed, then refused (nothing would be left)', () => {
    expect(isRefused('+news@example.org')).toBe(true);
    expect(isRefused('jane.+news@example.org')).toBe(true);
    expect(isRefused('...@gmail.com')).toBe(true);
  });
});

describe('parseEmail: the grammar', () => {
  it.each([
    'jane@example.org',
    'jane.doe+tag@sub.example.co.uk',
    ' jane@example.org ',
    "o'brien@example.ie",
    'jane_doe-1@example.org',
    'jörg@bücher.example',
    `${'a'.repeat(64)}@example.org`,
  ])('given %j, when parsed, then accepted', (raw) => {
    expect(parseEmail(raw).ok).toBe(true);
  });

  it.each([
    ['a list', 'alice+x,eve@a.example'],
    ['a list with ;', 'alice@a.example;eve@a.example'],
    ['a list after the domain', 'victim@x.example,a1@x.example'],
    ['a quoted local part', '"victim"@x.example'],
    ['a quoted local part with a comma', '"alice,eve"@a.example'],
    ['angle brackets', 'Eve <eve@a.example>'],
    ['angle brackets alone', '<eve@a.example>'],
    ['a comment', 'alice(comment)@a.example'],
    ['a backslash', 'alice\\@a.example'],
    ['an IPv4 literal', 'victim@[93.184.216.34]'],
    ['an IPv6 literal', 'victim@[IPv6:2001:db8::1]'],
    ['a bare IPv4 domain', 'victim@93.184.216.34'],
    ['a hexadecimal IPv4 domain', 'victim@0x7f.1'],
    ['a space inside', 'jane doe@example.org'],
    ['a non-breaking space', 'jane\u00a0@example.org'],
    ['a newline', 'jane\n@example.org'],
    ['a CRLF header injection', 'jane@example.org\r\nBcc: eve@a.example'],
    ['a NUL', 'jane\u0000@example.org'],
    ['a zero-width space in the local part', 'ja\u200bne@example.org'],
    ['a zero-width space after the domain', 'jane@example.org\u200b'],
    ['a zero-width joiner', 'ja\u200dne@example.org'],
    ['a word joiner', 'ja\u2060ne@example.org'],
    ['a byte order mark', 'ja\ufeffne@example.org'],
    ['a soft hyphen in the domain', 'jane@exa\u00admple.org'],
    ['a combining grapheme joiner', 'jane\u034f@example.org'],
    ['a variation selector', 'jane\ufe0f@example.org'],
    ['a left-to-right mark', 'jane\u200e@example.org'],
    ['a right-to-left override', 'jane\u202e@example.org'],
    ['a bidi isolate', 'jane\u2066@example.org'],
    ['an Arabic letter mark', 'jane\u061c@example.org'],
    ['two @', 'jane@@example.org'],
    ['two @ apart', 'ja@ne@example.org'],
    ['no @', 'jane'],
    ['nothing before @', '@example.org'],
    ['nothing after @', 'jane@'],
    ['a leading dot', '.jane@example.org'],
    ['a trailing dot', 'jane.@example.org'],
    ['two dots', 'ja..ne@example.org'],
    ['a domain without a dot', 'jane@localhost'],
    ['an empty label', 'jane@example..org'],
    ['a leading dot in the domain', 'jane@.example.org'],
    ['a trailing dot in the domain', 'jane@example.org.'],
    ['a label starting with a dash', 'jane@-example.org'],
    ['an underscore in the domain', 'jane@ex_ample.org'],
    ['a broken xn-- label', 'jane@xn--zz.example'],
    ['a source route with %', 'victim%other@relay.example'],
    ['a bang path', 'relay!victim@x.example'],
    ['a fullwidth at sign', 'jane\uff20example.org'],
    ['a local part of 65 bytes', `${'a'.repeat(65)}@example.org`],
    ['a local part of 33 two-byte letters', `${'é'.repeat(33)}@example.org`],
    ['a label of 64 characters', `jane@${'a'.repeat(64)}.org`],
    [
      'an address of 255 bytes',
      `jane@${'d'.repeat(63)}.${'d'.repeat(63)}.${'d'.repeat(63)}.${'d'.repeat(58)}`,
    ],
    ['an empty string', ''],
    ['a huge string', `${'a'.repeat(10_000)}@example.org`],
  ])('given %s, when parsed, then refused', (_what, raw) => {
    expect(isRefused(raw)).toBe(true);
  });

  it('given 254 bytes in all, when parsed, then accepted', () => {
    const labels = `${'d'.repeat(63)}.${'d'.repeat(63)}.${'d'.repeat(63)}.${'d'.repeat(57)}`;
    expect(parseEmail(`jane@${labels}`).ok).toBe(true);
  });

  it('given something that is not a string, when parsed, then refused', () => {
    expect(isRefused(undefined)).toBe(true);
    expect(isRefused(42)).toBe(true);
    expect(isRefused({ canonical: 'jane@example.org' })).toBe(true);
  });

  it('given a refused field, when required, then a 400 naming the field', () => {
    const error = (() => {
      try {
        parseEmailField('alice+x,eve@a.example', 'participant/email');
        return undefined;
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(TandemError);
    expect((error as TandemError).code).toBe('TANDEM_REQUEST_INVALID');
    expect((error as TandemError).details?.[0]?.path).toBe('participant/email');
  });
});

describe('storedEmail, sameEmail, canonicalDomain', () => {
  it('reads a stored canonical form back, and turns junk into null', () => {
    expect(storedEmail('jane@example.org')?.canonical).toBe('jane@example.org');
    expect(storedEmail('alice+x,eve@a.example')).toBeNull();
    expect(storedEmail(null)).toBeNull();
  });

  it('compares canonical forms', () => {
    const a = parseEmailField('Jane+x@Bücher.example', 'email');
    const b = parseEmailField('jane@xn--bcher-kva.example', 'email');
    expect(sameEmail(a, b)).toBe(true);
  });

  it('gives the domain in the form an address carries', () => {
    expect(canonicalDomain(' GRDF.fr ')).toBe('grdf.fr');
    expect(canonicalDomain('bücher.example')).toBe('xn--bcher-kva.example');
    expect(canonicalDomain('googlemail.com')).toBe('gmail.com');
    expect(canonicalDomain('[93.184.216.34]')).toBeNull();
  });
});

describe('parseEmail: properties', () => {
  const letter = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789');
  const letters = fc.string({ unit: letter, minLength: 1, maxLength: 20 });
  /** Hostile material: separators, quotes, invisibles, marks, Unicode letters, case. */
  const noisyUnit = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(..."aAbBzZ09.+-_'éÉüÜßẞİıö") },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        ...',;"<>()\\[]%!@ \t\n\r\u0000\u007f\u0085\u00a0\u00ad\u034f\u061c\u115f\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2060\u2066\u2069\u3000\u3164\ufe0f\ufeff\uff20\u0301\u0308\u212a',
      ),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 1 }) },
  );
  const noisy = fc.string({ unit: noisyUnit, maxLength: 24 });
  const domains = fc.constantFrom(
    'gmail.com',
    'GoogleMail.com',
    'example.org',
    'grdf.fr',
    'bücher.example',
    'xn--bcher-kva.example',
    'BU\u0308CHER.example',
  );
  const hostile = fc.oneof(
    fc.tuple(noisy, domains).map(([local, domain]) => `${local}@${domain}`),
    fc.tuple(noisy, noisy).map(([local, domain]) => `${local}@${domain}.org`),
    fc.string({ unit: 'binary', maxLength: 40 }),
  );

  it('parsing a canonical form gives it back (idempotent), for any accepted string', () => {
    fc.assert(
      fc.property(hostile, (raw) => {
        const first = parseEmail(raw);
        if (!first.ok) return;
        const again = parseEmail(first.address.canonical);
        expect(again.ok).toBe(true);
        if (again.ok) expect(again.address.canonical).toBe(first.address.canonical);
      }),
      { numRuns: 2000 },
    );
  });

  it('an accepted string never leaves a refused character in its canonical form', () => {
    fc.assert(
      fc.property(hostile, (raw) => {
        const parsed = parseEmail(raw);
        if (!parsed.ok) return;
        expect(parsed.address.canonical).not.toMatch(REFUSED_IN_CANONICAL);
        expect(parsed.address.canonical.split('@')).toHaveLength(2);
        expect(parsed.address.domain).toMatch(/^[a-z0-9.-]+$/);
      }),
      { numRuns: 2000 },
    );
  });

  it('ignores dots anywhere in a gmail local part, and the googlemail alias', () => {
    fc.assert(
      fc.property(
        letters,
        fc.array(fc.nat(), { maxLength: 5 }),
        fc.constantFrom('gmail.com', 'googlemail.com', 'GMail.com'),
        (local, dotPositions, domain) => {
          let dotted = local;
          for (const p of dotPositions) {
            // Only inner dots, never two in a row: those are refused.
            const i = 1 + (p % Math.max(1, dotted.length - 1));
            if (i >= dotted.length || dotted[i - 1] === '.' || dotted[i] === '.') continue;
            dotted = `${dotted.slice(0, i)}.${dotted.slice(i)}`;
          }
          expect(canonical(`${dotted}@${domain}`)).toBe(`${local}@gmail.com`);
        },
      ),
    );
  });

  it('ignores case, surrounding spaces and any +tag on any domain', () => {
    const tagUnit = fc.constantFrom(...'abcXYZ019-_+=');
    fc.assert(
      fc.property(
        letters,
        letters,
        fc.string({ unit: tagUnit, maxLength: 10 }),
        (local, host, tag) => {
          const plain = `${local}@${host}.org`;
          const noisySpelling = `  ${local.toUpperCase()}+${tag}@${host.toUpperCase()}.ORG `;
          expect(canonical(noisySpelling)).toBe(canonical(plain));
        },
      ),
    );
  });

  it('inserting an invisible or separator character anywhere is refused, never a new person', () => {
    const inserted = fc.constantFrom(
      ',',
      ';',
      '"',
      '\u200b',
      '\u200d',
      '\u2060',
      '\ufeff',
      '\u00ad',
      '\u200e',
      '\u202e',
      '\u2067',
      '\u061c',
      '\u0000',
      ' ',
    );
    fc.assert(
      fc.property(letters, letters, inserted, fc.nat(), (local, host, char, at) => {
        const address = `${local}@${host}.example`;
        // Anywhere strictly inside: at the ends a space is forgiven as padding.
        const i = 1 + (at % (address.length - 1));
        const spelled = `${address.slice(0, i)}${char}${address.slice(i)}`;
        expect(isRefused(spelled)).toBe(true);
      }),
    );
  });
});
