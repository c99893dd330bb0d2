import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES } from '../domain/files.js';
import {
  createTestClient,
  multipartBody,
  newOrganization,
  startTestPlatform,
  tinyJpeg,
  tinyPdf,
  tinyPng,
  unique,
  type MultipartPart,
  type TestClient,
  type TestPlatform,
} from '../testing/index.js';

/**
 * Uploads (issue 9, "Uploads"): `POST /api/organizations/{slug}/files` takes
 * a PNG, a JPEG or a PDF of at most 10 MB, judged by its bytes; stores it in
 * PostgreSQL; `GET /api/files/{fileId}` serves it with its type, `nosniff`
 * and a sandbox policy, to the organization's admins until it becomes a
 * logo, which is public.
 */

let platform: TestPlatform;
let client: TestClient;
let adminToken: string;
let org: { id: string; slug: string };
let other: { id: string; slug: string };
const people: Record<'admin' | 'owner' | 'member' | 'agent' | 'otherAdmin' | 'citizen', string> = {
  admin: '',
  owner: '',
  member: '',
  agent: '',
  otherAdmin: '',
  citizen: '',
};
const emails: Record<string, string> = {};

beforeAll(async () => {
  platform = await startTestPlatform();
  client = createTestClient(platform.app);
  adminToken = platform.adminToken;
  org = await newOrganization(client, adminToken);
  other = await newOrganization(client, adminToken);
  for (const [who, slug, role] of [
    ['admin', org.slug, 'admin'],
    ['owner', org.slug, 'owner'],
    ['member', org.slug, 'member'],
    ['agent', org.slug, 'agent'],
    ['otherAdmin', other.slug, 'admin'],
  ] as const) {
    const email = `${who}-${unique()}@example.org`;
    emails[who] = email;
    const added = await client.post(
      `/api/organizations/${slug}/members`,
      { email, role },
      { token: adminToken },
    );
    expect(added.status).toBe(201);
    people[who] = await client.signIn(email);
  }
  emails['citizen'] = `citizen-${unique()}@example.org`;
  people.citizen = await client.signIn(emails['citizen']);
});
afterAll(async () => {
  await platform?.stop();
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function upload(
  slug: string,
  parts: MultipartPart[],
  options: { token?: string; headers?: Record<string, string> } = {},
) {
  const { payload, contentType } = multipartBody(parts);
  const response = await platform.app.inject({
    method: 'POST',
    url: `/api/organizations/${slug}/files`,
    headers: {
      'content-type': contentType,
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    payload,
  });
  return { status: response.statusCode, body: response.json(), headers: response.headers };
}

const file = (content: Uint8Array | string, filename = 'upload.bin', contentType?: string) => ({
  name: 'file',
  content,
  filename,
  ...(contentType ? { contentType } : {}),
});

async function read(fileId: string, token?: string, headers: Record<string, string> = {}) {
  return platform.app.inject({
    method: 'GET',
    url: `/api/files/${fileId}`,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });
}

async function patch(slug: string, body: unknown, token: string) {
  const response = await platform.app.inject({
    method: 'PATCH',
    url: `/api/organizations/${slug}`,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
  return { status: response.statusCode, body: response.json() };
}

describe('uploading a file', () => {
  it('takes a real PNG, JPEG and PDF and answers its id and SHA-256', async () => {
    for (const [bytes, type] of [
      [tinyPng(), 'image/png'],
      [tinyJpeg(), 'image/jpeg'],
      [tinyPdf(), 'application/pdf'],
    ] as const) {
      const answer = await upload(org.slug, [file(bytes, 'any-name.dat')], {
        token: people.admin,
      });
      expect(answer.status, type).toBe(201);
      expect(answer.body).toEqual({ fileId: expect.any(String), sha256: sha256(bytes) });
      const [row] = await platform.db.query<{
        media_type: string;
        size: number;
        organization_id: string;
        public: boolean;
        bytes: Buffer;
      }>('select media_type, size, organization_id, public, bytes from file where id = ?', [
        answer.body.fileId,
      ]);
      expect(row).toMatchObject({
        media_type: type,
        size: bytes.length,
        organization_id: org.id,
        public: false,
      });
      expect(Buffer.compare(row!.bytes, bytes)).toBe(0);
    }
  });

  it('judges by content: x.png holding SVG is 415, whatever it declares', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
    const answer = await upload(org.slug, [file(svg, 'x.png', 'image/png')], {
      token: people.admin,
    });
    expect(answer.status).toBe(415);
    expect(answer.body.error).toBe('TANDEM_FILE_UNSUPPORTED');
    const declared = await upload(org.slug, [file(svg, 'logo.svg', 'image/svg+xml')], {
      token: people.admin,
    });
    expect(declared.status).toBe(415);
  });

  it('refuses a PNG head followed by HTML, and HTML named .pdf', async () => {
    const html = Buffer.from('<html><script>alert(document.cookie)</script></html>');
    const polyglot = Buffer.concat([tinyPng().subarray(0, 33), html]);
    const answer = await upload(org.slug, [file(polyglot, 'x.png', 'image/png')], {
      token: people.admin,
    });
    expect(answer.status).toBe(415);
    expect(answer.body.error).toBe('TANDEM_FILE_UNSUPPORTED');
    const named = await upload(org.slug, [file(html, 'x.pdf', 'application/pdf')], {
      token: people.admin,
    });
    expect(named.status).toBe(415);
  });

  it('takes 10 MB and refuses 10 MB + 1 byte with 413', async () => {
    const head = Buffer.from('%PDF-1.4\n');
    const tail = Buffer.from('\n%%EOF\n');
    const pdfOf = (size: number) => {
      const bytes = Buffer.alloc(size, 0x20);
      head.copy(bytes, 0);
      tail.copy(bytes, size - tail.length);
      return bytes;
    };
    const exact = await upload(org.slug, [file(pdfOf(MAX_FILE_BYTES))], { token: people.admin });
    expect(exact.status).toBe(201);
    const over = await upload(org.slug, [file(pdfOf(MAX_FILE_BYTES + 1))], {
      token: people.admin,
    });
    expect(over.status).toBe(413);
    expect(over.body.error).toBe('TANDEM_FILE_TOO_LARGE');
  });

  it('refuses callers who are not the organization’s admins, before reading the file', async () => {
    const png = [file(tinyPng())];
    expect((await upload(org.slug, png)).status).toBe(401);
    for (const who of ['member', 'agent', 'citizen', 'otherAdmin'] as const) {
      const answer = await upload(org.slug, png, { token: people[who] });
      expect(answer.status, who).toBe(403);
      expect(answer.body.error).toBe('TANDEM_AUTH_FORBIDDEN');
    }
    // Refused for the role, not the content: an SVG from a member is 403 too.
    expect((await upload(org.slug, [file('<svg/>')], { token: people.member })).status).toBe(403);
    expect((await upload(org.slug, png, { token: people.owner })).status).toBe(201);
    expect((await upload(org.slug, png, { token: adminToken })).status).toBe(201);
    expect((await upload(`nope-${unique()}`, png, { token: adminToken })).status).toBe(404);
  });

  it('wants one file in the field "file" and nothing else', async () => {
    const token = people.admin;
    const wrongField = await upload(org.slug, [{ ...file(tinyPng()), name: 'logo' }], { token });
    expect(wrongField.status).toBe(400);
    expect(wrongField.body.details[0].path).toBe('logo');
    const withField = await upload(
      org.slug,
      [{ name: 'note', content: 'hello' }, file(tinyPng())],
      { token },
    );
    expect(withField.status).toBe(400);
    const two = await upload(org.slug, [file(tinyPng()), file(tinyJpeg())], { token });
    expect(two.status).toBe(400);
    const none = await upload(org.slug, [], { token });
    expect(none.status).toBe(400);
    expect(none.body.details[0].path).toBe('file');
    const empty = await upload(org.slug, [file(new Uint8Array())], { token });
    expect(empty.status).toBe(400);

    const json = await client.post(`/api/organizations/${org.slug}/files`, {}, { token });
    expect(json.status).toBe(400);
    expect(json.body.details[0].path).toBe('file');
    const jsonField = await client.post(
      `/api/organizations/${org.slug}/files`,
      { file: 'iVBORw0KGgo=' },
      { token },
    );
    expect(jsonField.status).toBe(400);
  });

  it('says how to send a file sent bare', async () => {
    const bare = await platform.app.inject({
      method: 'POST',
      url: `/api/organizations/${org.slug}/files`,
      headers: { 'content-type': 'image/png', authorization: `Bearer ${people.admin}` },
      payload: tinyPng(),
    });
    expect(bare.statusCode).toBe(400);
    expect(bare.json()).toMatchObject({
      error: 'TANDEM_REQUEST_INVALID',
      details: [{ path: 'file' }],
    });
  });

  it('leaves every other route refusing a multipart body', async () => {
    const { payload, contentType } = multipartBody([{ name: 'title', content: 'Campaign' }]);
    const response = await platform.app.inject({
      method: 'POST',
      url: `/api/organizations/${org.slug}/campaigns`,
      headers: { 'content-type': contentType, authorization: `Bearer ${adminToken}` },
      payload,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('TANDEM_REQUEST_UNSUPPORTED_MEDIA_TYPE');
  });

  it('replays an upload retried with its Idempotency-Key; another file with it is 422', async () => {
    const key = `upload-${unique()}`;
    const headers = { 'idempotency-key': key };
    const first = await upload(org.slug, [file(tinyPng([1, 2, 3]))], {
      token: people.admin,
      headers,
    });
    expect(first.status).toBe(201);
    const again = await upload(org.slug, [file(tinyPng([1, 2, 3]), 'renamed.png')], {
      token: people.admin,
      headers,
    });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const [count] = await platform.db.query<{ n: number }>(
      'select count(*)::int as n from file where sha256 = ?',
      [first.body.sha256],
    );
    expect(count?.n).toBe(1);
    const another = await upload(org.slug, [file(tinyPng([4, 5, 6]))], {
      token: people.admin,
      headers,
    });
    expect(another.status).toBe(422);
    expect(another.body.error).toBe('TANDEM_IDEMPOTENCY_MISMATCH');
  });
});

describe('reading a file', () => {
  it('serves a private file to its organization’s admins only; everyone else gets 404', async () => {
    const bytes = tinyPdf('private');
    const { body } = await upload(org.slug, [file(bytes)], { token: people.admin });
    for (const token of [people.admin, people.owner, adminToken]) {
      const answer = await read(body.fileId, token);
      expect(answer.statusCode).toBe(200);
      expect(Buffer.compare(answer.rawPayload, bytes)).toBe(0);
      expect(answer.headers['cache-control']).toBe('private, no-cache');
    }
    for (const token of [
      undefined,
      people.member,
      people.agent,
      people.citizen,
      people.otherAdmin,
    ]) {
      const answer = await read(body.fileId, token);
      expect(answer.statusCode).toBe(404);
      expect(answer.json().error).toBe('TANDEM_NOT_FOUND');
    }
    expect((await read(`file_${unique()}`, adminToken)).statusCode).toBe(404);
  });

  it('sends its type, nosniff, a sandbox policy, its SHA-256 as ETag, and PDFs as attachments', async () => {
    const pdf = tinyPdf();
    const uploaded = await upload(org.slug, [file(pdf, 'report.pdf')], { token: people.admin });
    const answer = await read(uploaded.body.fileId, people.admin);
    expect(answer.headers['content-type']).toBe('application/pdf');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    expect(answer.headers['content-disposition']).toMatch(/^attachment; filename="file_\w+\.pdf"$/);
    expect(answer.headers['etag']).toBe(`"${sha256(pdf)}"`);
    const again = await read(uploaded.body.fileId, people.admin, {
      'if-none-match': `"${sha256(pdf)}"`,
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');

    const jpeg = await upload(org.slug, [file(tinyJpeg(), 'photo.pdf')], { token: people.admin });
    const image = await read(jpeg.body.fileId, people.admin);
    expect(image.headers['content-type']).toBe('image/jpeg');
    expect(image.headers['content-disposition']).toBeUndefined();
  });
});

describe('a logo', () => {
  it('becomes public once an organization’s logo, and is shown as its logoUrl', async () => {
    const png = tinyPng([0, 0, 0]);
    const { body } = await upload(org.slug, [file(png)], { token: people.admin });
    expect((await read(body.fileId)).statusCode).toBe(404);
    const patched = await patch(org.slug, { branding: { logoFileId: body.fileId } }, people.admin);
    expect(patched.status).toBe(200);
    expect(patched.body.branding.logoUrl).toBe(`/api/files/${body.fileId}`);
    const anonymous = await read(body.fileId);
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.headers['content-type']).toBe('image/png');
    expect(anonymous.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(Buffer.compare(anonymous.rawPayload, png)).toBe(0);
    const page = await client.get(`/api/organizations/${org.slug}`);
    expect(page.body.branding.logoUrl).toBe(`/api/files/${body.fileId}`);
  });

  it('must be an image of the organization itself', async () => {
    const pdf = await upload(org.slug, [file(tinyPdf())], { token: people.admin });
    const asLogo = await patch(
      org.slug,
      { branding: { logoFileId: pdf.body.fileId } },
      people.admin,
    );
    expect(asLogo.status).toBe(400);
    expect(asLogo.body.details[0].path).toBe('branding/logoFileId');
    const theirs = await upload(other.slug, [file(tinyPng())], { token: people.otherAdmin });
    const stolen = await patch(
      org.slug,
      { branding: { logoFileId: theirs.body.fileId } },
      people.admin,
    );
    expect(stolen.status).toBe(400);
    expect(stolen.body.details[0].path).toBe('branding/logoFileId');
    // Still private: naming it did not publish another organization's file.
    expect((await read(theirs.body.fileId)).statusCode).toBe(404);
    expect((await read(pdf.body.fileId)).statusCode).toBe(404);
  });
});

describe('who uploaded is personal data', () => {
  it('is exported, and erased with the person while the file stays', async () => {
    const email = `uploader-${unique()}@example.org`;
    await client.post(
      `/api/organizations/${org.slug}/members`,
      { email, role: 'admin' },
      { token: adminToken },
    );
    const token = await client.signIn(email);
    const { body } = await upload(org.slug, [file(tinyJpeg())], { token });
    const exported = await client.get('/api/me/export', { token });
    expect(exported.status).toBe(200);
    expect(exported.body.uploads).toEqual([
      expect.objectContaining({
        fileId: body.fileId,
        organization: org.slug,
        mediaType: 'image/jpeg',
      }),
    ]);
    expect((await client.delete('/api/me', { token })).status).toBe(200);
    const [row] = await platform.db.query<{ created_by: string | null }>(
      'select created_by from file where id = ?',
      [body.fileId],
    );
    expect(row).toEqual({ created_by: null });
    expect((await read(body.fileId, people.admin)).statusCode).toBe(200);
  });
});

describe('over a real connection', () => {
  it('answers 413 to an upload past 10 MB without reading it all or hanging', async () => {
    const address = await platform.app.listen({ host: '127.0.0.1', port: 0 });
    const big = Buffer.alloc(MAX_FILE_BYTES * 2, 0x20);
    Buffer.from('%PDF-1.4\n').copy(big);
    const { payload, contentType } = multipartBody([file(big, 'big.pdf')]);
    const started = Date.now();
    const response = await fetch(`${address}/api/organizations/${org.slug}/files`, {
      method: 'POST',
      headers: { 'content-type': contentType, authorization: `Bearer ${people.admin}` },
      body: payload,
    });
    expect(response.status).toBe(413);
    // The unread rest of the body does not hold the connection open.
    expect(response.headers.get('connection')).toBe('close');
    expect(((await response.json()) as { error: string }).error).toBe('TANDEM_FILE_TOO_LARGE');
    expect(Date.now() - started).toBeLessThan(10_000);

    // Refused for the role before a byte is read: closed too, not drained.
    const refused = await fetch(`${address}/api/organizations/${org.slug}/files`, {
      method: 'POST',
      headers: { 'content-type': contentType, authorization: `Bearer ${people.member}` },
      body: payload,
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('connection')).toBe('close');
  });
});
