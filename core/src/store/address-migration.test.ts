import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/database.js';
import { openDatabase, type Database } from './database.js';

/**
 * Migration20261203100000: addresses stored before the strict grammar take
 * its canonical form, so a person stored under a Unicode domain is still
 * the same person when they come back under its `xn--` form.
 */

let database: TestDatabase;
let db: Database;

beforeAll(async () => {
  database = await createTestDatabase();
  db = await openDatabase({ url: database.url });
  await db.orm.getMigrator().up({ to: 'Migration20261129130000' });
  const people: Array<[string, string, string | null]> = [
    ['ptc_jane', 'jane@bücher.example', 'Jane+x@Bücher.example'],
    ['ptc_nfd', 'joe@bu\u0308cher.example', 'joe@bu\u0308cher.example'],
    ['ptc_alice', 'alice@a.example', 'alice+x,eve@a.example'],
    ['ptc_quoted', '"q"@x.example', '"q"@x.example'],
    ['ptc_bob_old', 'bob@bücher.example', 'bob@bücher.example'],
    ['ptc_bob_new', 'bob@xn--bcher-kva.example', 'bob@xn--bcher-kva.example'],
    ['ptc_plain', 'plain@example.org', 'plain@example.org'],
  ];
  for (const [id, canonical, email] of people) {
    await db.query('insert into participant (id, canonical_email, email) values (?, ?, ?)', [
      id,
      canonical,
      email,
    ]);
  }
  await db.query(
    `insert into dev_mail (to_email, recipient, subject, text, purpose)
     values ('jane@bücher.example', 'Jane@Bücher.example', 's', 't', 'sign-in')`,
  );
  await db.migrate();
});
afterAll(async () => {
  await db?.close();
  await database?.drop();
});

const person = async (id: string) =>
  (
    await db.query<{ canonical_email: string; email: string }>(
      'select canonical_email, email from participant where id = ?',
      [id],
    )
  )[0];

describe('Migration20261203100000', () => {
  it('rewrites a Unicode or NFD domain to its ASCII form, in both columns', async () => {
    expect(await person('ptc_jane')).toEqual({
      canonical_email: 'jane@xn--bcher-kva.example',
      email: 'jane@xn--bcher-kva.example',
    });
    expect((await person('ptc_nfd'))?.canonical_email).toBe('joe@xn--bcher-kva.example');
  });

  it('replaces a stored spelling that was a list with the canonical address', async () => {
    expect(await person('ptc_alice')).toEqual({
      canonical_email: 'alice@a.example',
      email: 'alice@a.example',
    });
  });

  it('leaves a refused address, and two rows that are already two people, as they were', async () => {
    expect((await person('ptc_quoted'))?.canonical_email).toBe('"q"@x.example');
    expect((await person('ptc_bob_old'))?.canonical_email).toBe('bob@bücher.example');
    expect((await person('ptc_bob_new'))?.canonical_email).toBe('bob@xn--bcher-kva.example');
    expect((await person('ptc_plain'))?.canonical_email).toBe('plain@example.org');
  });

  it('files old dev mails under the canonical address', async () => {
    const rows = await db.query<{ to_email: string }>('select to_email from dev_mail');
    expect(rows).toEqual([{ to_email: 'jane@xn--bcher-kva.example' }]);
  });
});
