import { describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES, mediaTypeOf, mediaTypeOfHead } from './files.js';

// Fixtures as bytes (the domain's tests import nothing that does I/O): a
// 1×1 PNG, a 1×1 baseline JPEG (testing/files.ts builds the same) and a
// one-page PDF.
const base64 = (value: string) => Uint8Array.from(atob(value), (c) => c.charCodeAt(0));
const tinyPng = () =>
  base64(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  );
const tinyJpeg = () =>
  base64(
    '/9j/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAAAAAAAP/EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AP//Z',
  );
const tinyPdf = () =>
  new TextEncoder().encode(
    '%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n',
  );

const text = (value: string) => new TextEncoder().encode(value);
const join = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

describe('mediaTypeOf: a file is what its bytes say', () => {
  it('knows a real PNG, JPEG and PDF', () => {
    expect(mediaTypeOf(tinyPng())).toBe('image/png');
    expect(mediaTypeOf(tinyJpeg())).toBe('image/jpeg');
    expect(mediaTypeOf(tinyPdf())).toBe('application/pdf');
  });

  it('refuses SVG, HTML, text and nothing at all', () => {
    expect(mediaTypeOf(text('<svg xmlns="http://www.w3.org/2000/svg"></svg>'))).toBeNull();
    expect(mediaTypeOf(text('<?xml version="1.0"?><svg/>'))).toBeNull();
    expect(mediaTypeOf(text('<!doctype html><script>alert(1)</script>'))).toBeNull();
    expect(mediaTypeOf(text('hello'))).toBeNull();
    expect(mediaTypeOf(new Uint8Array())).toBeNull();
  });

  it('refuses a known head followed by something else (a PNG signature, then HTML)', () => {
    const png = tinyPng();
    const html = text('<html><script>alert(document.cookie)</script></html>');
    expect(mediaTypeOfHead(join(png.subarray(0, 16), html))).toBe('image/png');
    expect(mediaTypeOf(join(png.subarray(0, 33), html))).toBeNull();
    expect(mediaTypeOf(join(tinyJpeg().subarray(0, 4), html))).toBeNull();
    expect(mediaTypeOf(join(text('%PDF-1.4\n'), html))).toBeNull();
  });

  it('refuses a PNG signature without its IHDR chunk, and trailing bytes after the end', () => {
    const png = tinyPng();
    expect(mediaTypeOf(join(png.subarray(0, 8), png.subarray(16)))).toBeNull();
    expect(mediaTypeOf(join(png, text('<svg/>')))).toBeNull();
    expect(mediaTypeOf(join(tinyJpeg(), text('<svg/>')))).toBeNull();
  });

  it('takes white space after a PDF’s %%EOF, nothing else', () => {
    expect(mediaTypeOf(join(tinyPdf(), text('\r\n  \n')))).toBe('application/pdf');
    expect(mediaTypeOf(join(tinyPdf(), text('<html>')))).toBeNull();
  });

  it('refuses what is larger than 10 MB', () => {
    const big = new Uint8Array(MAX_FILE_BYTES + 1);
    big.set(tinyPdf());
    big.set(text('%%EOF'), big.length - 5);
    expect(mediaTypeOf(big)).toBeNull();
    expect(mediaTypeOf(big.subarray(0, MAX_FILE_BYTES))).toBeNull(); // its end is gone
  });
});
