/**
 * A read-through cache of answers that are the same for every viewer (a
 * challenge's public view, serialized once), invalidated by what commits.
 *
 * Each entry carries tags (the challenges it shows) and an expiry. Three
 * things make it stale, and each removes it:
 * - a committed event of a challenge, relayed here or by another process
 *   (live bus): `invalidate(challengeId)`;
 * - a write answered by this process: `clear()` before the answer leaves,
 *   so a read after a 2xx on the same process sees the write;
 * - time: no entry outlives `ttlMs` (nor its own `expiresAt`), which bounds
 *   what a write that carries no event (or a lost bus message) can leave
 *   stale on another process.
 *
 * A load that started before an invalidation of one of its tags is answered
 * but not stored, so a read racing a commit never re-plants the old answer
 * (see docs/decisions/0023-challenge-views-cached-and-invalidated-by-events.md).
 */
export interface ViewCacheOptions {
  /** The longest an entry is served (ms); 0 turns caching off. */
  ttlMs: number;
  /** The most entries kept; the oldest go first. */
  maxEntries?: number;
  /** A monotonic clock in ms (tests move it). */
  clock?: () => number;
}

/** What a loader answers: the value, the tags it depends on, and optionally an earlier expiry. */
export interface Loaded<T> {
  value: T;
  tags: readonly string[];
  /** Epoch ms after which the value is wrong whatever happens (a deadline passing). */
  expiresAt?: number;
}

interface Entry<T> {
  value: T;
  tags: readonly string[];
  expiresAt: number;
}

/** Counts for operations and tests. */
export interface ViewCacheStats {
  hits: number;
  misses: number;
  entries: number;
}

export class ViewCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly byTag = new Map<string, Set<string>>();
  private readonly inflight = new Map<string, { promise: Promise<T>; startedAt: number }>();
  /** For each tag, the invalidation step at which it was last invalidated. */
  private readonly invalidatedAt = new Map<string, number>();
  private step = 0;
  private clearedAt = 0;
  private hits = 0;
  private misses = 0;
  /** Whether invalidations reach this cache yet; until then nothing is stored. */
  private listening = true;
  private startListening: (() => Promise<void>) | null = null;
  private listenStarted = false;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly clock: () => number;

  constructor(options: ViewCacheOptions) {
    this.ttlMs = options.ttlMs;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.clock = options.clock ?? Date.now;
  }

  /**
   * The cached value of `key`, or the loader's (stored when nothing it
   * depends on was invalidated while it ran). Concurrent misses of one key
   * share one load. A loader that throws stores nothing.
   */
  async get(key: string, load: () => Promise<Loaded<T>>): Promise<T> {
    const cached = this.peek(key);
    if (cached !== undefined) return cached;
    this.misses++;
    const running = this.inflight.get(key);
    if (running && running.startedAt === this.step) return running.promise;
    const startedAt = this.step;
    const promise = this.load(key, load, startedAt);
    this.inflight.set(key, { promise, startedAt });
    const forget = () => {
      if (this.inflight.get(key)?.promise === promise) this.inflight.delete(key);
    };
    promise.then(forget, forget);
    return promise;
  }

  /** The cached value of `key` if there is a fresh one, without waiting for anything. */
  peek(key: string): T | undefined {
    if (!this.listenStarted && this.startListening) this.listen(this.startListening);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > this.clock()) {
      this.hits++;
      return entry.value;
    }
    this.remove(key);
    return undefined;
  }

  /**
   * Subscribes to invalidations on the first read rather than at once, so a
   * process that serves no reads (a worker) does not listen; entries are
   * stored only once `start` resolved, so none can miss an invalidation.
   */
  listenOnFirstRead(start: () => Promise<void>): void {
    this.listening = false;
    this.startListening = start;
  }

  private listen(start: () => Promise<void>): void {
    this.listenStarted = true;
    start().then(
      () => {
        this.listening = true;
      },
      (error: unknown) => {
        this.listenStarted = false; // the next read tries again
        console.error('cached views cannot hear invalidations; not caching:', String(error));
      },
    );
  }

  private async load(key: string, load: () => Promise<Loaded<T>>, startedAt: number): Promise<T> {
    const loaded = await load();
    if (this.ttlMs > 0 && this.listening && this.isFresh(loaded.tags, startedAt)) {
      const expiresAt = Math.min(this.clock() + this.ttlMs, loaded.expiresAt ?? Infinity);
      this.remove(key);
      if (this.entries.size >= this.maxEntries) {
        const oldest = this.entries.keys().next();
        if (!oldest.done) this.remove(oldest.value);
      }
      this.entries.set(key, { value: loaded.value, tags: loaded.tags, expiresAt });
      for (const tag of loaded.tags) {
        let keys = this.byTag.get(tag);
        if (!keys) this.byTag.set(tag, (keys = new Set()));
        keys.add(key);
      }
    }
    return loaded.value;
  }

  private isFresh(tags: readonly string[], startedAt: number): boolean {
    if (this.clearedAt > startedAt) return false;
    return tags.every((tag) => (this.invalidatedAt.get(tag) ?? 0) <= startedAt);
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    for (const tag of entry.tags) {
      const keys = this.byTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.byTag.delete(tag);
    }
  }

  /** Drops every entry that depends on `tag` (a challenge id), and any load of it under way. */
  invalidate(tag: string): void {
    this.step++;
    this.invalidatedAt.set(tag, this.step);
    // Kept small: only tags invalidated since the oldest load still running matter.
    if (this.invalidatedAt.size > 4 * this.maxEntries) this.compact();
    for (const key of [...(this.byTag.get(tag) ?? [])]) this.remove(key);
  }

  /** Drops everything (a write answered by this process, a gap on the bus). */
  clear(): void {
    this.step++;
    this.clearedAt = this.step;
    this.entries.clear();
    this.byTag.clear();
    this.invalidatedAt.clear();
  }

  private compact(): void {
    // Forgetting a tag's step is safe once no load older than it runs;
    // counting every such load as stale instead keeps it simple.
    this.clearedAt = this.step;
    this.invalidatedAt.clear();
  }

  stats(): ViewCacheStats {
    return { hits: this.hits, misses: this.misses, entries: this.entries.size };
  }
}
