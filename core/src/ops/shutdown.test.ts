import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineIntegration } from '../plugins/index.js';
import { startTestPlatform, type TestPlatform } from '../testing/platform.js';

const PLUGIN = 'ops-probe';

/**
 * A plugin whose one job waits 300 ms, then writes a row: if the database
 * closed before the job finished, the row would be missing and the failure
 * logged.
 */
function slowWriter(started: () => void) {
  return defineIntegration({
    id: PLUGIN,
    version: '0.1.0',
    title: { fr: 'Sonde', en: 'Probe' },
    migrations: [{ name: 'effect', up: 'create table ops_probe_effect (id text primary key)' }],
    personalData: 'none',
    capabilities: ['tables'],
    jobs: {
      'write-late': async (data, context) => {
        started();
        await sleep(300);
        await context.tables.query('insert into ops_probe_effect (id) values (?)', [data['id']]);
      },
    },
  });
}

async function effects(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>('select id from ops_probe_effect');
    return rows.map((row) => row.id);
  } finally {
    await client.end();
  }
}

describe.each([
  { queue: 'in-process', redis: false },
  { queue: 'BullMQ', redis: true },
])('graceful shutdown with the $queue queue', ({ redis }) => {
  let platform: TestPlatform | undefined;

  afterEach(async () => {
    vi.restoreAllMocks();
    await platform?.stop();
    platform = undefined;
  });

  it('lets a running job finish before the database closes, without an error', async () => {
    let markStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    platform = await startTestPlatform({ redis, plugins: [slowWriter(() => markStarted())] });
    const errors = vi.spyOn(console, 'error');

    await platform.queue.enqueue(`${PLUGIN}.write-late`, { id: 'in-flight' });
    await started;
    const closing = Date.now();
    await expect(platform.close()).resolves.toBeUndefined();

    expect(Date.now() - closing).toBeGreaterThanOrEqual(250);
    expect(await effects(platform.config.databaseUrl as string)).toEqual(['in-flight']);
    expect(errors).not.toHaveBeenCalled();
  });
});
