import { deflateSync, inflateSync } from 'node:zlib';

/**
 * Tiny but real files for upload tests, built from their bytes: a 1×1 PNG
 * (with its CRCs and a deflated pixel), a 1×1 grey baseline JPEG and a
 * one-page PDF, plus a `multipart/form-data` body to send them in.
 */

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A 1×1 PNG of one RGB colour (default Tandem blue). */
export function tinyPng(rgb: [number, number, number] = [0x1d, 0x4e, 0xd8]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(1, 0); // width
  header.writeUInt32BE(1, 4); // height
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    // One scan line: filter type 0, then the pixel.
    pngChunk('IDAT', deflateSync(Buffer.from([0, ...rgb]))),
    pngChunk('IEND', new Uint8Array()),
  ]);
}

/**
 * A 1×1 grey baseline JPEG: one 8×8 block whose DC difference and AC
 * coefficients are all zero, coded with one-symbol Huffman tables.
 */
export function tinyJpeg(): Buffer {
  const segment = (marker: number, body: number[]) => [
    0xff,
    marker,
    (body.length + 2) >> 8,
    (body.length + 2) & 0xff,
    ...body,
  ];
  const oneSymbolTable = (tableClass: number) => [
    tableClass,
    1,
    ...new Array<number>(15).fill(0),
    0x00,
  ];
  return Buffer.from([
    0xff,
    0xd8, // start of image
    ...segment(0xdb, [0x00, ...new Array<number>(64).fill(1)]), // quantization table 0
    ...segment(0xc0, [8, 0, 1, 0, 1, 1, 1, 0x11, 0]), // baseline, 1×1, one component
    ...segment(0xc4, oneSymbolTable(0x00)), // DC table 0: category 0
    ...segment(0xc4, oneSymbolTable(0x10)), // AC table 0: end of block
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0]), // start of scan
    0x3f, // DC "0", EOB "0", padded with ones
    0xff,
    0xd9, // end of image
  ]);
}

/** A one-page PDF with a cross-reference table whose offsets are right. */
export function tinyPdf(text = 'Tandem'): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R >>',
  ];
  const stream = `BT /F1 12 Tf 10 50 Td (${text}) Tj ET`;
  objects.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** One part of a {@link multipartBody}: a file, or a plain field when `filename` is absent. */
export interface MultipartPart {
  name: string;
  content: Uint8Array | string;
  filename?: string;
  contentType?: string;
}

/** A `multipart/form-data` body and the content type (with its boundary) to send it with. */
export function multipartBody(parts: readonly MultipartPart[]): {
  payload: Buffer;
  contentType: string;
} {
  const boundary = `----tandem${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition =
      part.filename === undefined
        ? `form-data; name="${part.name}"`
        : `form-data; name="${part.name}"; filename="${part.filename}"`;
    const type =
      part.contentType ?? (part.filename === undefined ? null : 'application/octet-stream');
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type ? `Content-Type: ${type}\r\n` : ''}\r\n`,
        'latin1',
      ),
      typeof part.content === 'string'
        ? Buffer.from(part.content, 'utf8')
        : Buffer.from(part.content),
      Buffer.from('\r\n', 'latin1'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return {
    payload: Buffer.concat(chunks),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/** WinAnsi bytes 0x80–0x9f as the characters they stand for (the rest is Latin-1). */
const WIN_ANSI_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

/**
 * The text drawn in a PDF made by pdfkit: each content stream (inflated
 * when compressed), each `[<hex> kerning <hex>] TJ` run decoded.
 */
export function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  const runs: string[] = [];
  for (const match of raw.matchAll(/<<([^>]*?)>>\s*stream\r?\n/g)) {
    const dictionary = match[1] ?? '';
    const length = Number(/\/Length (\d+)/.exec(dictionary)?.[1]);
    const start = (match.index ?? 0) + match[0].length;
    let body = pdf.subarray(start, start + length);
    if (dictionary.includes('/FlateDecode')) {
      try {
        body = inflateSync(body);
      } catch {
        continue; // not a content stream pdfkit wrote (e.g. a font program)
      }
    }
    for (const run of body.toString('latin1').matchAll(/\[([^\]]*)\]\s*TJ/g)) {
      const bytes = [...(run[1] ?? '').matchAll(/<([0-9a-fA-F]*)>/g)].map((hex) =>
        Buffer.from(hex[1] ?? '', 'hex'),
      );
      runs.push(
        [...Buffer.concat(bytes)]
          .map((b) =>
            b >= 0x80 && b < 0xa0 ? (WIN_ANSI_HIGH[b - 0x80] ?? '?') : String.fromCharCode(b),
          )
          .join(''),
      );
    }
  }
  // Runs joined by a space, no-break spaces read as spaces, spaces collapsed.
  return runs.join(' ').replace(/[\s\u00a0]+/g, ' ');
}
