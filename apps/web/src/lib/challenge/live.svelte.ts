import { parseShares, type Share } from './federation';
import type { Progress } from './progress';

/** How often the page asks for the counts when no stream can be held. */
const POLL_MS = 10_000;
/** Stream failures in a row after which the page polls instead. */
const MAX_STREAM_FAILURES = 3;

/** How the page hears about changes right now. */
export type LiveMode = 'stream' | 'polling' | 'paused' | 'hidden' | 'off';

/** The events a challenge's stream carries that the page reads. */
interface Handlers {
  /** A tier unlocked (from the stream, or seen by polling). */
  onUnlocked?: (tierId: string, unlockedAt: string) => void;
}

const isProgress = (value: unknown): value is Progress =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Progress).participants === 'number' &&
  typeof (value as Progress).quantity === 'number';

function parse(data: unknown): unknown {
  try {
    return typeof data === 'string' ? (JSON.parse(data) as unknown) : null;
  } catch {
    return null;
  }
}

/**
 * A challenge's live counts in the browser: one `EventSource` per page on
 * `GET /api/challenges/{id}/events`, closed while the tab is hidden
 * (browsers hold at most six HTTP/1.1 streams per site across tabs), polling
 * `GET /api/challenges/{id}` when streams keep failing, and a pause the
 * visitor controls (WCAG 2.2.2). Each change bumps {@link version}, which the
 * feed watches to refresh itself.
 */
export class LiveChallenge {
  progress: Progress = $state({ participants: 0, quantity: 0, co2eKg: 0 });
  unlocked: Record<string, string> = $state({});
  /** Each organization's share, for a federated challenge (empty otherwise). */
  shares: Share[] = $state([]);
  status: string = $state('open');
  mode: LiveMode = $state('off');
  paused = $state(false);
  /** Bumped on every change the stream reports. */
  version = $state(0);

  readonly #id: string;
  readonly #handlers: Handlers;
  #source: EventSource | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #failures = 0;
  #polling = false;

  constructor(
    id: string,
    initial: {
      progress: Progress;
      unlocked: Record<string, string>;
      status: string;
      shares?: Share[];
    },
    handlers: Handlers = {},
  ) {
    this.#id = id;
    this.progress = initial.progress;
    this.unlocked = initial.unlocked;
    this.status = initial.status;
    this.shares = initial.shares ?? [];
    this.#handlers = handlers;
  }

  /** Starts listening; returns the cleanup (for an `$effect`). */
  start(): () => void {
    const onVisibility = () => this.#sync();
    document.addEventListener('visibilitychange', onVisibility);
    this.#sync();
    return () => {
      document.removeEventListener('visibilitychange', onVisibility);
      this.#stop();
      this.mode = 'off';
    };
  }

  /** Pauses or resumes live updates. */
  toggle(): void {
    this.paused = !this.paused;
    this.#sync();
  }

  #sync(): void {
    if (this.paused) {
      this.#stop();
      this.mode = 'paused';
    } else if (document.hidden) {
      this.#stop();
      this.mode = 'hidden';
    } else if (this.#polling) {
      if (this.mode !== 'polling') void this.#poll();
    } else if (!this.#source) this.#open();
  }

  #stop(): void {
    this.#source?.close();
    this.#source = null;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #open(): void {
    const source = new EventSource(`/api/challenges/${encodeURIComponent(this.#id)}/events`);
    this.#source = source;
    this.mode = 'stream';
    source.addEventListener('open', () => (this.#failures = 0));
    source.addEventListener('progress', (event) => {
      const data = parse((event as MessageEvent).data);
      if (isProgress(data)) this.#setProgress(data);
      this.#setShares(data);
    });
    source.addEventListener('unlocked', (event) => {
      const data = parse((event as MessageEvent).data) as {
        tierId?: unknown;
        unlockedAt?: unknown;
      };
      if (typeof data?.tierId === 'string') {
        this.#unlock(data.tierId, typeof data.unlockedAt === 'string' ? data.unlockedAt : '');
      }
    });
    source.addEventListener('status', (event) => {
      const data = parse((event as MessageEvent).data) as { status?: unknown };
      if (typeof data?.status === 'string') this.status = data.status;
      this.version += 1;
    });
    source.addEventListener('milestone', () => (this.version += 1));
    source.addEventListener('error', () => {
      // EventSource retries by itself; a closed one (429, 503, 404) or one
      // that keeps failing gives way to polling.
      this.#failures += 1;
      if (source.readyState === EventSource.CLOSED || this.#failures >= MAX_STREAM_FAILURES) {
        this.#stop();
        this.#polling = true;
        void this.#poll();
      }
    });
  }

  async #poll(): Promise<void> {
    this.mode = 'polling';
    try {
      const answer = await fetch(`/api/challenges/${encodeURIComponent(this.#id)}`, {
        headers: { accept: 'application/json' },
      });
      if (answer.ok) {
        const body = (await answer.json()) as {
          progress?: unknown;
          status?: unknown;
          shares?: unknown;
          tiers?: { id?: unknown; unlockedAt?: unknown }[];
        };
        if (isProgress(body.progress)) this.#setProgress(body.progress);
        this.#setShares(body);
        if (typeof body.status === 'string') this.status = body.status;
        for (const tier of body.tiers ?? []) {
          if (typeof tier.id === 'string' && typeof tier.unlockedAt === 'string') {
            this.#unlock(tier.id, tier.unlockedAt);
          }
        }
      }
    } catch {
      // Offline for a moment: the next round tries again.
    }
    if (this.paused || document.hidden || !this.#polling) return;
    this.#timer = setTimeout(() => void this.#poll(), POLL_MS);
  }

  #setProgress(progress: Progress): void {
    const changed =
      progress.participants !== this.progress.participants ||
      progress.quantity !== this.progress.quantity;
    this.progress = {
      participants: progress.participants,
      quantity: progress.quantity,
      co2eKg: progress.co2eKg ?? 0,
    };
    if (changed) this.version += 1;
  }

  /** The shares a `progress` event or a polled answer carries, when it carries them. */
  #setShares(data: unknown): void {
    if (typeof data !== 'object' || data === null || !('shares' in data)) return;
    const shares = parseShares((data as { shares: unknown }).shares);
    if (shares.length > 0 || this.shares.length === 0) this.shares = shares;
  }

  #unlock(tierId: string, unlockedAt: string): void {
    if (this.unlocked[tierId]) return;
    this.unlocked = { ...this.unlocked, [tierId]: unlockedAt || 'now' };
    this.version += 1;
    this.#handlers.onUnlocked?.(tierId, unlockedAt);
  }
}
