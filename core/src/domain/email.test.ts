import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { canonicalEmail, emailDomain, isEmail } from './email.js';

describe('canonicalEmail', () => {
  it('given the same person typed two ways, when canonicalized, then both read the same', () => {
    expect(canonicalEmail('Jane.Doe+x@Example.org')).toBe('jane.doe@example.org');
    expect(canonicalEmail(' jane.doe@example.org')).toBe('jane.doe@example.org');
  });

  it('given a domain other than gmail, when canonicalized, then dots in the local part matter', () => {
    expect(canonicalEmail('jane.doe@example.org')).not.toBe(canonicalEmail('janedoe@example.org'));
  });

  it('given gmail or googlemail with dots and a tag, when canonicalized, then one gmail.com mailbox', () => {
    expect(canonicalEmail('J.A.N.E+pledge@googlemail.com')).toBe('jane@gmail.com');
    expect(canonicalEmail('jane@GMAIL.com')).toBe('jane@gmail.com');
  });

  it('given only a tag as local part, when canonicalized, then the tag is still dropped', () => {
    expect(canonicalEmail('+news@example.org')).toBe('@example.org');
  });

  it('given no @, when canonicalized, then it is only trimmed and lower-cased', () => {
    expect(canonicalEmail('  Agent-Code+7 ')).toBe('agent-code+7');
  });

  const letters = fc.string({
    unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
    minLength: 1,
    maxLength: 20,
  });

  it('is idempotent on any string', () => {
    fc.assert(
      fc.property(fc.string(), (raw) => {
        const once = canonicalEmail(raw);
        expect(canonicalEmail(once)).toBe(once);
      }),
    );
  });

  it('is idempotent on address-shaped strings', () => {
    const addresses = fc
      .tuple(
        fc.string({ unit: fc.constantFrom(...'aB.+-_x9 '), maxLength: 20 }),
        fc.constantFrom('gmail.com', 'GoogleMail.com', 'example.org', 'grdf.fr'),
      )
      .map(([local, domain]) => `${local}@${domain}`);
    fc.assert(
      fc.property(addresses, (raw) => {
        const once = canonicalEmail(raw);
        expect(canonicalEmail(once)).toBe(once);
      }),
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
            const i = p % (dotted.length + 1);
            dotted = `${dotted.slice(0, i)}.${dotted.slice(i)}`;
          }
          expect(canonicalEmail(`${dotted}@${domain}`)).toBe(`${local}@gmail.com`);
        },
      ),
    );
  });

  it('ignores case, surrounding spaces and any +tag on any domain', () => {
    fc.assert(
      fc.property(letters, letters, fc.string({ maxLength: 10 }), (local, host, tag) => {
        const plain = `${local}@${host}.org`;
        const noisy = `  ${local.toUpperCase()}+${tag.replaceAll('@', '')}@${host.toUpperCase()}.ORG `;
        expect(canonicalEmail(noisy)).toBe(canonicalEmail(plain));
      }),
    );
  });
});

describe('isEmail', () => {
  it.each(['jane@example.org', 'jane.doe+tag@sub.example.co.uk', ' jane@example.org '])(
    'given %j, when checked, then it is an address',
    (raw) => {
      expect(isEmail(raw)).toBe(true);
    },
  );

  it.each([
    '',
    'jane',
    'jane@',
    '@example.org',
    'jane@localhost',
    'jane@@example.org',
    'ja@ne@example.org',
    'jane doe@example.org',
    'jane@example..org',
    'jane@.example.org',
    'jane@example.org.',
    'jane\n@example.org',
  ])('given %j, when checked, then it is not an address', (raw) => {
    expect(isEmail(raw)).toBe(false);
  });

  it('given a local part of 64 characters, when checked, then ok; 65, refused', () => {
    expect(isEmail(`${'a'.repeat(64)}@example.org`)).toBe(true);
    expect(isEmail(`${'a'.repeat(65)}@example.org`)).toBe(false);
  });

  it('given 254 characters in all, when checked, then ok; 255, refused', () => {
    const domainOf = (length: number) => `${'d'.repeat(length - 4)}.org`;
    expect(isEmail(`jane@${domainOf(254 - 5)}`)).toBe(true);
    expect(isEmail(`jane@${domainOf(255 - 5)}`)).toBe(false);
  });
});

describe('emailDomain', () => {
  it('given an address, when asked, then the canonical lower-case domain', () => {
    expect(emailDomain(' Jane@GRDF.fr ')).toBe('grdf.fr');
    expect(emailDomain('jane@googlemail.com')).toBe('gmail.com');
  });

  it('given no @, when asked, then empty', () => {
    expect(emailDomain('jane')).toBe('');
  });
});
