import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseError, redactError, redactUrl } from './logging.js';
import { startTestPlatform, type TestPlatform } from './testing/index.js';

/**
 * Log lines hold neither the tokens of mailed links (they sit in URLs) nor
 * the values of a failed SQL statement (addresses, secrets): read from the
 * logger's own output, at the most verbose level.
 */

let platform: TestPlatform;
const lines: string[] = [];
const ADDRESS = `alice-${Date.now()}@secret.example`;
const SECRET = `whsec-${Math.random().toString(36).slice(2)}`;

beforeAll(async () => {
  platform = await startTestPlatform({
    logger: { level: 'trace', stream: { write: (line: string) => void lines.push(line) } },
  });
  // A route whose statement fails with personal data among its parameters.
  platform.app.get('/test/duplicate', async () => {
    const insert = 'insert into organization (id, slug, name, kind) values (?, ?, ?, ?)';
    await platform.db.query(insert, [`org-${ADDRESS}`, `s-${Date.now()}`, 'n', 'city']);
    await platform.db.query(insert, [`org-${ADDRESS}`, SECRET, ADDRESS, 'city']);
    return { ok: true };
  });
});
afterAll(() => platform?.stop());

const logged = () => lines.join('');

describe('what reaches the log', () => {
  it('never the token of a mailed link, at any level', async () => {
    const tokens = ['tok-sign-in-0123456789', 'tok-confirm-0123456789', 'tok-unsub-0123456789'];
    for (const [path, token] of [
      ['/sign-in', tokens[0]],
      ['/confirm', tokens[1]],
      ['/api/reminders/unsubscribe', tokens[2]],
    ]) {
      await platform.app.inject({ method: 'GET', url: `${path}?token=${token}&lang=fr` });
    }
    await platform.app.inject({
      method: 'GET',
      url: `/api/reminders/unsubscribe?token=${tokens[2]}x`,
    });
    const text = logged();
    expect(text).toContain('/api/reminders/unsubscribe?token=[REDACTED]');
    expect(text).toContain('lang=fr');
    for (const token of tokens) expect(text).not.toContain(token);
  });

  it('a database error without the statement’s values', async () => {
    const response = await platform.app.inject({ method: 'GET', url: '/test/duplicate' });
    expect(response.statusCode).toBe(500);
    const text = logged();
    expect(text).toContain('23505');
    expect(text).toContain('unexpected error');
    expect(text).not.toContain(ADDRESS);
    expect(text).not.toContain(SECRET);
  });

  it('a job’s failure reason the same way (redactError)', async () => {
    const insert = 'insert into organization (id, slug, name, kind) values (?, ?, ?, ?)';
    const id = `org-job-${Date.now()}`;
    await platform.db.query(insert, [id, `j-${Date.now()}`, 'n', 'city']);
    const failure = await platform.db.query(insert, [id, `job-${SECRET}`, ADDRESS, 'city']).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isDatabaseError(failure)).toBe(true);
    const safe = redactError(failure) as Error & { code: string };
    expect(safe.code).toBe('23505');
    expect(`${safe.message}\n${safe.stack}`).not.toContain(ADDRESS);
    expect(`${safe.message}\n${safe.stack}`).not.toContain(SECRET);
    expect(safe.message).toMatch(/duplicate key/);
  });
});

describe('redactUrl', () => {
  it('replaces secret-like query values and keeps the others', () => {
    expect(redactUrl('/x?token=abc&page=2&api_key=k&sessionToken=s')).toBe(
      '/x?token=[REDACTED]&page=2&api_key=[REDACTED]&sessionToken=[REDACTED]',
    );
    expect(redactUrl('/x?lastEventId=12')).toBe('/x?lastEventId=12');
    expect(redactUrl('/plain')).toBe('/plain');
  });
});
