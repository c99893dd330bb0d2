import multipart from '@fastify/multipart';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { HEAD_BYTES, MAX_FILE_BYTES, mediaTypeOfHead } from '../../domain/files.js';
import { invalid } from '../../errors.js';
import { requireRole } from '../../services/access.js';
import type { ServiceContext } from '../../services/context.js';
import {
  fileTooLarge,
  judgeUpload,
  readFile,
  storeFile,
  unsupportedFile,
  type Upload,
} from '../../services/files.js';
import { findOrganization } from '../../services/organizations.js';
import { access } from '../access.js';
import { ErrorBody, errors } from '../schemas.js';
import type { App } from '../types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The file of an upload route, read and judged before its handler (files.ts). */
    upload?: Upload & { organizationId: string };
  }
}

/** The one field an upload's form has. */
const FIELD = 'file';

/**
 * Reads one file stream to its end, counting: refused as soon as its first
 * bytes say it is no PNG, JPEG or PDF (415), or as soon as it passes the
 * size limit (413) — never holding more than the limit in memory.
 */
async function readCounted(stream: Readable & { truncated?: boolean }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let judged = false;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FILE_BYTES) throw fileTooLarge();
    chunks.push(chunk);
    if (!judged && size >= HEAD_BYTES) {
      if (!mediaTypeOfHead(Buffer.concat(chunks).subarray(0, HEAD_BYTES))) throw unsupportedFile();
      judged = true;
    }
  }
  if (stream.truncated) throw fileTooLarge();
  return Buffer.concat(chunks, size);
}

/** Multipart's own limit errors, as Tandem's codes. */
function fromMultipartError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return fileTooLarge();
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') {
    return invalid(FIELD, 'send one file, in the form field "file", and nothing else');
  }
  return error;
}

/**
 * The upload route's own step, after the caller is known and before the
 * `Idempotency-Key` check: the organization's admins only (401/403/404
 * before a byte of the file is read), then the one file of the form, read
 * and judged by its content. Its SHA-256 stands for the body in the key's
 * fingerprint, so a retry with the same key and the same file replays the
 * first answer, and the same key with another file is 422.
 */
function readUpload(ctx: ServiceContext) {
  return async function readUploadHook(request: FastifyRequest): Promise<void> {
    const { slug } = request.params as { slug: string };
    const organization = await findOrganization(ctx.db, slug);
    requireRole(request.viewer, organization.id, 'admin');
    if (!request.isMultipart()) {
      throw invalid(FIELD, 'send the file as multipart/form-data, in the form field "file"');
    }
    let bytes: Buffer | null = null;
    try {
      for await (const part of request.parts()) {
        if (part.type !== 'file' || part.fieldname !== FIELD) {
          throw invalid(part.fieldname || 'body', 'is not a known field: send only "file"');
        }
        if (bytes !== null) throw invalid(FIELD, 'send one file only');
        bytes = await readCounted(part.file);
      }
    } catch (error) {
      throw fromMultipartError(error);
    }
    if (bytes === null) throw invalid(FIELD, 'is required: send one file in the form field "file"');
    if (bytes.length === 0) throw invalid(FIELD, 'is empty');
    const upload = judgeUpload(bytes);
    request.upload = { ...upload, organizationId: organization.id };
    request.idempotencyContent = `sha256:${upload.sha256}`;
  };
}

const CONTENT_SECURITY_POLICY = "default-src 'none'; sandbox";

export async function fileRoutes(app: App, ctx: ServiceContext): Promise<void> {
  // Multipart is parsed only inside this context: every other route still
  // refuses a body that is not JSON (415), rather than reading a form as
  // an empty body.
  await app.register(async (uploads) => {
    await uploads.register(multipart, {
      limits: {
        fileSize: MAX_FILE_BYTES + 1,
        files: 1,
        fields: 0,
        parts: 1,
        fieldNameSize: 100,
        headerPairs: 20,
      },
    });
    // A file sent bare (`Content-Type: image/png`) is not a form: say what is.
    uploads.addContentTypeParser('*', (_request, _payload, done) =>
      done(invalid(FIELD, 'send the file as multipart/form-data, in the form field "file"')),
    );
    uploads.addHook('preHandler', readUpload(ctx));
    // A refused upload leaves the rest of its body unread (it may be far
    // larger than the limit, or refused before a byte of it was read): the
    // connection closes after the answer rather than wait for, or drain, a
    // body nobody will read.
    uploads.addHook('onSend', (_request, reply, payload, done) => {
      if (reply.statusCode >= 400) void reply.header('connection', 'close');
      done(null, payload);
    });
    uploads.post(
      '/api/organizations/:slug/files',
      {
        schema: {
          'x-tandem-access': access.role('admin'),
          tags: ['organizations'],
          summary: 'Upload a file: a logo or a proof (org admin)',
          description:
            'One file in the form field `file` of a `multipart/form-data` body: a PNG, a JPEG or a PDF of at most 10 MB, judged by its bytes (its name and declared type are ignored). Anything else — SVG, HTML, a PNG head followed by something else — is 415 `TANDEM_FILE_UNSUPPORTED`; above 10 MB, 413 `TANDEM_FILE_TOO_LARGE`. The file is private to the organization’s admins until it becomes its logo (`PATCH /api/organizations/{slug}`, `branding.logoFileId`). With an `Idempotency-Key`, a retry with the same file answers the first upload again; another file with the same key is 422.',
          consumes: ['multipart/form-data'],
          params: Type.Object({ slug: Type.String({ minLength: 1, maxLength: 100 }) }),
          body: Type.Object(
            {
              file: Type.String({
                format: 'binary',
                description: 'the file: PNG, JPEG or PDF, at most 10 MB',
              }),
            },
            // Any other form field is refused by the reading step, as here.
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({
              fileId: Type.String({ description: 'read it at `/api/files/{fileId}`' }),
              sha256: Type.String({ description: 'of the bytes, hex' }),
            }),
            ...errors(400, 401, 403, 404, 413, 415),
          },
        },
        // The body is a stream the hook above reads; the schema is for OpenAPI.
        validatorCompiler: () => () => true,
      },
      async (request, reply) => {
        const upload = request.upload;
        if (!upload) throw invalid(FIELD, 'is required');
        return reply
          .code(201)
          .send(await storeFile(ctx, request.viewer, upload.organizationId, upload));
      },
    );
  });

  app.get(
    '/api/files/:fileId',
    {
      schema: {
        'x-tandem-access': access.role('admin', {
          anonymous: 'hide',
          citizen: 'hide',
          member: 'hide',
          agent: 'hide',
          otherAdmin: 'hide',
          note: "a private file; an organization's logo is public",
        }),
        tags: ['organizations'],
        summary: 'An uploaded file',
        description:
          "The bytes with their media type, `X-Content-Type-Options: nosniff`, a `Content-Security-Policy` that runs nothing, and PDFs as attachments. Its ETag is its SHA-256. An organization's logo is public (cached for a year: its bytes never change); any other file is served only to its organization's admins and owners (and the platform admin), and is 404 for everyone else.",
        params: Type.Object({ fileId: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: {
          200: {
            description: 'The bytes, with their media type',
            content: Object.fromEntries(
              ['image/png', 'image/jpeg', 'application/pdf'].map((type) => [
                type,
                { schema: { type: 'string', format: 'binary' } },
              ]),
            ),
          },
          304: { description: 'Not modified (the `If-None-Match` ETag matches)', type: 'null' },
          404: {
            description: 'No such file, or one the caller may not read',
            content: { 'application/json': { schema: ErrorBody } },
          },
        },
      },
    },
    async (request, reply) =>
      sendFile(reply, request, await readFile(ctx, request.viewer, request.params.fileId)),
  );
}

function sendFile(
  reply: FastifyReply,
  request: FastifyRequest,
  file: Awaited<ReturnType<typeof readFile>>,
): FastifyReply {
  const etag = `"${file.sha256}"`;
  void reply
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('etag', etag)
    .header(
      'cache-control',
      file.public ? 'public, max-age=31536000, immutable' : 'private, no-cache',
    );
  if (file.mediaType === 'application/pdf') {
    void reply.header('content-disposition', `attachment; filename="${file.id}.pdf"`);
  }
  const match = request.headers['if-none-match'];
  if (typeof match === 'string' && match.split(',').some((tag) => tag.trim() === etag)) {
    return reply.code(304).send();
  }
  return reply.type(file.mediaType).send(file.bytes);
}
