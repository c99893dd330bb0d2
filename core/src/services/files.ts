import { createHash } from 'node:crypto';
import { mediaTypeOf, type StoredMediaType } from '../domain/files.js';
import { TandemError, notFound } from '../errors.js';
import { newId } from '../ids.js';
import type { Sql } from '../store/database.js';
import { hasRole, requireRole } from './access.js';
import type { ServiceContext, Viewer } from './context.js';

/** An upload read from a request, its type judged by its bytes. */
export interface Upload {
  bytes: Buffer;
  mediaType: StoredMediaType;
  sha256: string;
}

/** A stored file as `GET /api/files/{fileId}` serves it. */
export interface StoredFile {
  id: string;
  organizationId: string;
  mediaType: StoredMediaType;
  bytes: Buffer;
  sha256: string;
  size: number;
  public: boolean;
}

/** The refusal of a file Tandem does not take (415). */
export const unsupportedFile = (): TandemError =>
  new TandemError(
    'TANDEM_FILE_UNSUPPORTED',
    'file: only PNG, JPEG and PDF files are taken, judged by their content.',
    [{ path: 'file', message: 'is not a PNG, JPEG or PDF file' }],
  );

/** The refusal of a file above the size limit (413). */
export const fileTooLarge = (): TandemError =>
  new TandemError('TANDEM_FILE_TOO_LARGE', 'file: must be at most 10 MB.', [
    { path: 'file', message: 'is larger than 10 MB' },
  ]);

/**
 * Judges a whole upload by its bytes: its media type and its SHA-256.
 * Throws `TANDEM_FILE_UNSUPPORTED` for anything but a PNG, JPEG or PDF.
 */
export function judgeUpload(bytes: Buffer): Upload {
  const mediaType = mediaTypeOf(bytes);
  if (!mediaType) throw unsupportedFile();
  return { bytes, mediaType, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * `POST /api/organizations/{slug}/files`: stores an upload for the
 * organization (its admins and owners, or the platform admin), private
 * until it becomes the organization's logo. Answers its id and SHA-256.
 */
export async function storeFile(
  ctx: ServiceContext,
  viewer: Viewer,
  organizationId: string,
  upload: Upload,
): Promise<{ fileId: string; sha256: string }> {
  requireRole(viewer, organizationId, 'admin');
  const id = newId('file');
  await ctx.db.query(
    `insert into file (id, organization_id, media_type, bytes, sha256, size, created_by)
     values (?, ?, ?, ?, ?, ?, ?)`,
    [
      id,
      organizationId,
      upload.mediaType,
      upload.bytes,
      upload.sha256,
      upload.bytes.length,
      viewer.kind === 'participant' ? viewer.participantId : null,
    ],
  );
  return { fileId: id, sha256: upload.sha256 };
}

/**
 * A file as its reader may have it: anyone for a public file (a logo);
 * otherwise only its organization's admins and owners, and the platform
 * admin. Everyone else gets 404, as for a file that does not exist: a
 * private file's id says nothing to whoever may not read it.
 */
export async function readFile(
  ctx: ServiceContext,
  viewer: Viewer,
  fileId: string,
): Promise<StoredFile> {
  const [row] = await ctx.db.query<{
    id: string;
    organization_id: string;
    media_type: StoredMediaType;
    bytes: Buffer;
    sha256: string;
    size: number;
    public: boolean;
  }>(`select id, organization_id, media_type, bytes, sha256, size, public from file where id = ?`, [
    fileId,
  ]);
  if (!row || !(row.public || hasRole(viewer, row.organization_id, 'admin'))) {
    throw notFound('file', fileId);
  }
  return {
    id: row.id,
    organizationId: row.organization_id,
    mediaType: row.media_type,
    bytes: row.bytes,
    sha256: row.sha256,
    size: row.size,
    public: row.public,
  };
}

/**
 * Checks that a file may be an organization's logo — one of its own
 * uploads, and an image — and makes it public, in the caller's
 * transaction. Throws `TANDEM_REQUEST_INVALID` naming `path` otherwise
 * (another organization's file is as unknown as a missing one).
 */
export async function claimLogoFile(
  tx: Sql,
  organizationId: string,
  fileId: string,
  path: string,
): Promise<void> {
  const [row] = await tx.query<{ media_type: string }>(
    'select media_type from file where id = ? and organization_id = ? for update',
    [fileId, organizationId],
  );
  if (!row) {
    throw new TandemError(
      'TANDEM_REQUEST_INVALID',
      `${path}: no file "${fileId}" of this organization.`,
      [{ path, message: 'is not a file uploaded by this organization' }],
    );
  }
  if (row.media_type !== 'image/png' && row.media_type !== 'image/jpeg') {
    throw new TandemError(
      'TANDEM_REQUEST_INVALID',
      `${path}: a logo must be a PNG or JPEG image.`,
      [{ path, message: 'is not a PNG or JPEG image' }],
    );
  }
  await tx.query('update file set public = true where id = ?', [fileId]);
}
