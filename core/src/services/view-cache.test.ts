import { describe, expect, it } from 'vitest';
import { ViewCache } from './view-cache.js';

/** A load the test finishes when it wants, to race it against invalidations. */
function deferred(value: string, tags: string[] = ['chl_1']) {
  let finish: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (finish = resolve));
  return {
    finish: () => finish(),
    load: async () => {
      await started;
      return { value, tags };
    },
  };
}

describe('ViewCache', () => {
  it('serves a stored value until its tag is invalidated', async () => {
    const cache = new ViewCache<string>({ ttlMs: 60_000 });
    let loads = 0;
    const load = async () => ({ value: `v${++loads}`, tags: ['chl_1'] });
    expect(await cache.get('chl_1', load)).toBe('v1');
    expect(await cache.get('chl_1', load)).toBe('v1');
    cache.invalidate('chl_2');
    expect(await cache.get('chl_1', load)).toBe('v1');
    cache.invalidate('chl_1');
    expect(await cache.get('chl_1', load)).toBe('v2');
    cache.clear();
    expect(cache.peek('chl_1')).toBeUndefined();
  });

  it('does not store a load that an invalidation overtook, nor share it afterwards', async () => {
    const cache = new ViewCache<string>({ ttlMs: 60_000 });
    const old = deferred('old');
    const first = cache.get('chl_1', old.load);
    cache.invalidate('chl_1'); // a commit lands while the old answer is being read
    const fresh = deferred('new');
    const second = cache.get('chl_1', fresh.load);
    // The fresh read is stored first; the old one, finishing last, must not replace it.
    fresh.finish();
    expect(await second).toBe('new');
    old.finish();
    expect(await first).toBe('old');
    expect(cache.peek('chl_1')).toBe('new');
  });

  it('does not store a load that a clear overtook', async () => {
    const cache = new ViewCache<string>({ ttlMs: 60_000 });
    const old = deferred('old');
    const first = cache.get('chl_1', old.load);
    cache.clear();
    old.finish();
    expect(await first).toBe('old');
    expect(cache.peek('chl_1')).toBeUndefined();
  });

  it('shares one load between concurrent misses', async () => {
    const cache = new ViewCache<string>({ ttlMs: 60_000 });
    const one = deferred('one');
    const reads = [cache.get('chl_1', one.load), cache.get('chl_1', one.load)];
    one.finish();
    expect(await Promise.all(reads)).toEqual(['one', 'one']);
    expect(cache.stats()).toMatchObject({ misses: 2, entries: 1 });
  });

  it('expires at the time bound or at the value’s own expiry, whichever comes first', async () => {
    let now = 1_000;
    const cache = new ViewCache<string>({ ttlMs: 1000, clock: () => now });
    await cache.get('a', async () => ({ value: 'a', tags: ['a'] }));
    await cache.get('b', async () => ({ value: 'b', tags: ['b'], expiresAt: 1_500 }));
    now = 1_499;
    expect(cache.peek('a')).toBe('a');
    expect(cache.peek('b')).toBe('b');
    now = 1_500;
    expect(cache.peek('b')).toBeUndefined();
    now = 2_000;
    expect(cache.peek('a')).toBeUndefined();
  });

  it('stores nothing before it hears invalidations, and nothing when turned off', async () => {
    let subscribed: () => void = () => undefined;
    const cache = new ViewCache<string>({ ttlMs: 60_000 });
    cache.listenOnFirstRead(() => new Promise<void>((resolve) => (subscribed = resolve)));
    await cache.get('chl_1', async () => ({ value: 'early', tags: ['chl_1'] }));
    expect(cache.peek('chl_1')).toBeUndefined();
    subscribed();
    await Promise.resolve();
    await cache.get('chl_1', async () => ({ value: 'later', tags: ['chl_1'] }));
    expect(cache.peek('chl_1')).toBe('later');

    const off = new ViewCache<string>({ ttlMs: 0 });
    await off.get('chl_1', async () => ({ value: 'x', tags: ['chl_1'] }));
    expect(off.peek('chl_1')).toBeUndefined();
  });

  it('keeps at most maxEntries, dropping the oldest', async () => {
    const cache = new ViewCache<string>({ ttlMs: 60_000, maxEntries: 2 });
    for (const key of ['a', 'b', 'c']) {
      await cache.get(key, async () => ({ value: key, tags: [key] }));
    }
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.peek('b')).toBe('b');
    expect(cache.peek('c')).toBe('c');
  });
});
