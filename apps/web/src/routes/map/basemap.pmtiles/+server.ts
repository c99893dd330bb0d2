import { open, stat } from 'node:fs/promises';
import { error } from '@sveltejs/kit';
import { env } from '$env/dynamic/private';
import type { RequestHandler } from './$types';

/** The largest slice one request may read: PMTiles asks for directories and tiles, never the file. */
const MAX_RANGE = 16 * 1024 * 1024;

/**
 * The operator's PMTiles basemap (`TANDEM_MAP_PMTILES`, a file path),
 * served from this site so no visitor's address reaches a third party.
 * PMTiles reads by byte ranges; only single ranges are answered.
 */
export const GET: RequestHandler = async ({ request }) => {
  const path = env['TANDEM_MAP_PMTILES']?.trim();
  if (!path) error(404, 'no basemap');
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) error(404, 'no basemap');
  const size = info.size;
  const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.get('range') ?? '');
  const start = range ? Number(range[1]) : 0;
  const end = range && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
  if (start > end || start >= size || end - start + 1 > MAX_RANGE) {
    return new Response(null, { status: 416, headers: { 'content-range': `bytes */${size}` } });
  }
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(end - start + 1);
    await file.read(buffer, 0, buffer.length, start);
    return new Response(buffer, {
      status: range ? 206 : 200,
      headers: {
        'content-type': 'application/octet-stream',
        'accept-ranges': 'bytes',
        'cache-control': 'public, max-age=3600',
        ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
      },
    });
  } finally {
    await file.close();
  }
};
