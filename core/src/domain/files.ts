/**
 * What an uploaded file is, judged by its bytes alone (ADR 0030). The name
 * a browser sends and the type it declares are the uploader's claims; the
 * bytes are what a reader's browser or PDF viewer will act on, so they
 * decide. Only three kinds are taken — PNG and JPEG images, PDF documents —
 * and each must both start and end as its format does: a PNG signature
 * followed by anything else (an HTML page, an SVG) is not a PNG.
 */

/** The media types Tandem stores. */
export type StoredMediaType = 'image/png' | 'image/jpeg' | 'application/pdf';

/** The largest file taken, in bytes (10 MB). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** How many leading bytes {@link mediaTypeOfHead} needs to decide. */
export const HEAD_BYTES = 16;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Length 13, then the type `IHDR`: the chunk every PNG starts with. */
const PNG_IHDR = [0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52];
/** Length 0, `IEND`, and its fixed CRC: the chunk every PNG ends with. */
const PNG_IEND = [0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];
const JPEG_START = [0xff, 0xd8, 0xff];
const JPEG_END = [0xff, 0xd9];
const PDF_START = /^%PDF-[12]\.\d/;
/** PDF readers look for `%%EOF` near the end; only white space may follow it. */
const PDF_END = /%%EOF[\r\n\t \0]*$/;
const PDF_TAIL_BYTES = 1024;

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0): boolean =>
  bytes.length >= at + prefix.length && prefix.every((b, i) => bytes[at + i] === b);

const endsWith = (bytes: Uint8Array, suffix: readonly number[]): boolean =>
  startsWith(bytes, suffix, bytes.length - suffix.length);

const latin1 = (bytes: Uint8Array): string => String.fromCharCode(...bytes);

/**
 * The type the first bytes of a file announce ({@link HEAD_BYTES} are
 * enough), or `null` for anything else: lets an upload be refused as soon
 * as its first bytes arrive, before the rest is read.
 *
 * @example mediaTypeOfHead(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0])) // 'image/jpeg'
 */
export function mediaTypeOfHead(head: Uint8Array): StoredMediaType | null {
  if (startsWith(head, PNG_SIGNATURE) && startsWith(head, PNG_IHDR, PNG_SIGNATURE.length)) {
    return 'image/png';
  }
  if (startsWith(head, JPEG_START)) return 'image/jpeg';
  if (PDF_START.test(latin1(head.subarray(0, 8)))) return 'application/pdf';
  return null;
}

/**
 * The type of a whole file, or `null` when it is not one Tandem takes:
 * its head announces PNG, JPEG or PDF ({@link mediaTypeOfHead}) and its end
 * closes that format (PNG's `IEND` chunk, JPEG's end-of-image marker, PDF's
 * `%%EOF`). Empty files and files above {@link MAX_FILE_BYTES} are `null`.
 *
 * It does not decode the image or the document: a file that starts and ends
 * right may still be broken inside. What it stops is a file of another
 * kind passed off under a familiar head; the bytes are then always served
 * with their type, `nosniff` and a sandbox policy, so even a crafted
 * polyglot is never run as a page.
 *
 * @example mediaTypeOf(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>')) // null
 */
export function mediaTypeOf(bytes: Uint8Array): StoredMediaType | null {
  if (bytes.length === 0 || bytes.length > MAX_FILE_BYTES) return null;
  const type = mediaTypeOfHead(bytes.subarray(0, HEAD_BYTES));
  switch (type) {
    case 'image/png':
      return bytes.length >= PNG_SIGNATURE.length + 25 + PNG_IEND.length &&
        endsWith(bytes, PNG_IEND)
        ? type
        : null;
    case 'image/jpeg':
      return bytes.length >= JPEG_START.length + JPEG_END.length && endsWith(bytes, JPEG_END)
        ? type
        : null;
    case 'application/pdf':
      return PDF_END.test(latin1(bytes.subarray(Math.max(0, bytes.length - PDF_TAIL_BYTES))))
        ? type
        : null;
    default:
      return null;
  }
}
