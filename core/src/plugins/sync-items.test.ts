import { describe, expect, it } from 'vitest';
import type { TablesCapability } from '../sdk/capabilities.js';
import { canonicalJson, syncFingerprint, syncItems, syncScope } from '../sdk/sync-items.js';

/** Tables that must not be reached: the helper refuses before any query. */
const unreachable: TablesCapability = {
  query: () => Promise.reject(new Error('no query expected')),
  transaction: () => Promise.reject(new Error('no transaction expected')),
};

const log = { error: () => undefined };

describe('offline sync items', () => {
  it('writes canonical JSON, so a body in another key order has the same fingerprint', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }], u: undefined })).toBe(
      '{"a":[{"c":3,"d":2}],"b":1}',
    );
    const body = { kg: 2.5, pointId: 'clp_1', participant: null };
    const reordered = { participant: null, pointId: 'clp_1', kg: 2.5 };
    expect(syncFingerprint('chl_1', reordered)).toBe(syncFingerprint('chl_1', body));
    expect(syncFingerprint('chl_2', body)).not.toBe(syncFingerprint('chl_1', body));
    expect(syncFingerprint('chl_1', { ...body, kg: 25 })).not.toBe(syncFingerprint('chl_1', body));
  });

  it('scopes keys to the agent, not to their session', () => {
    expect(
      syncScope({ kind: 'participant', participantId: 'ptc_1', email: null, roles: new Map() }),
    ).toBe('ptc_1');
    expect(syncScope({ kind: 'admin' })).toBe('admin');
  });

  it('refuses a table or column name that is not a plain identifier, before any query', async () => {
    const items = [{ key: 'k-12345678', body: {} }];
    const base = { tables: unreachable, scope: 's', target: 't', items, log };
    const record = () => Promise.resolve({ ok: true });
    await expect(syncItems({ ...base, table: 'x; drop table y', record })).rejects.toThrow(
      /plain SQL identifier/,
    );
    await expect(
      syncItems({ ...base, table: 'ok_table', reservedColumn: 'code"', record }),
    ).rejects.toThrow(/plain SQL identifier/);
    await expect(
      syncItems({ ...base, table: 'ok_table', claimColumns: { 'a b': 1 }, record }),
    ).rejects.toThrow(/plain SQL identifier/);
  });

  it('answers an empty batch with no outcome and no query', async () => {
    const outcomes = await syncItems({
      tables: unreachable,
      table: 'ok_table',
      scope: 's',
      target: 't',
      items: [],
      log,
      record: () => Promise.resolve({ ok: true }),
    });
    expect(outcomes).toEqual([]);
  });
});
