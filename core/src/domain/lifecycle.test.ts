import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  acceptsPledges,
  applyEvaluation,
  closeChallenge,
  evaluateChallenge,
  fulfillTier,
  openChallenge,
} from './lifecycle.js';
import { reachedTiers } from './tiers.js';
import type { ChallengeState, ChallengeStatus, Goal, Progress, Tier } from './types.js';

const conflict = (code: string) => expect.objectContaining({ code, status: 409 });

const at = (iso: string) => new Date(iso);
const progress = (participants: number, quantity = 0): Progress => ({
  participants,
  quantity,
  co2eKg: 0,
});

const tier = (id: string, rank: number, participants: number): Tier => ({
  id,
  rank,
  goal: { participants, match: 'all' },
  counterpart: { kind: 'donation', amount: { value: 5000, currency: 'EUR' }, beneficiaryId: 'b1' },
});

/** The Clichy challenge with two stretch tiers above it. */
const ladder = [tier('t0', 0, 200), tier('t1', 1, 400), tier('t2', 2, 600)];

const state = (overrides: Partial<ChallengeState> = {}): ChallengeState => ({
  status: 'open',
  tiers: ladder,
  unlocked: {},
  fulfilled: [],
  deadline: null,
  closedAt: null,
  ...overrides,
});

const earlier = at('2026-05-01T08:00:00Z');
const now = at('2026-05-10T12:00:00Z');
const deadline = at('2026-05-31T22:00:00Z');

describe('evaluateChallenge', () => {
  it('given a draft with its goal reached and its deadline passed, when evaluated, then nothing happens', () => {
    const draft = state({ status: 'draft', deadline: earlier });
    expect(evaluateChallenge(draft, progress(1000), now)).toEqual({
      unlocks: [],
      status: 'draft',
      closedAt: null,
      changed: false,
    });
  });

  it('given an open challenge one pledge short, when evaluated, then nothing changes', () => {
    expect(evaluateChallenge(state(), progress(199), now)).toEqual({
      unlocks: [],
      status: 'open',
      closedAt: null,
      changed: false,
    });
  });

  it('given the 200th participant, when evaluated, then the first tier unlocks now and the challenge succeeds', () => {
    expect(evaluateChallenge(state(), progress(200), now)).toEqual({
      unlocks: [{ tierId: 't0', unlockedAt: now }],
      status: 'succeeded',
      closedAt: null,
      changed: true,
    });
  });

  it('given progress past several tiers at once, when evaluated, then they unlock lowest rank first', () => {
    const shuffled = state({ tiers: [ladder[2] as Tier, ladder[0] as Tier, ladder[1] as Tier] });
    const result = evaluateChallenge(shuffled, progress(650), now);
    expect(result.unlocks.map((u) => u.tierId)).toEqual(['t0', 't1', 't2']);
  });

  it('given a tier already unlocked, when evaluated again, then it does not unlock twice', () => {
    const succeeded = state({ status: 'succeeded', unlocked: { t0: earlier } });
    expect(evaluateChallenge(succeeded, progress(201), now)).toEqual({
      unlocks: [],
      status: 'succeeded',
      closedAt: null,
      changed: false,
    });
  });

  it('given a succeeded challenge, when a higher tier is reached, then only that one unlocks', () => {
    const succeeded = state({ status: 'succeeded', unlocked: { t0: earlier } });
    const result = evaluateChallenge(succeeded, progress(400), now);
    expect(result.unlocks).toEqual([{ tierId: 't1', unlockedAt: now }]);
    expect(result.status).toBe('succeeded');
  });

  it('given withdrawals after an unlock, when progress drops below the goal, then the unlock and the status stay', () => {
    const succeeded = state({ status: 'succeeded', unlocked: { t0: earlier } });
    const result = evaluateChallenge(succeeded, progress(150), now);
    expect(result).toEqual({ unlocks: [], status: 'succeeded', closedAt: null, changed: false });
  });

  it('given the deadline passed with the goal reached, when evaluated late, then the tier unlocks at the deadline and the challenge closes at the deadline', () => {
    const late = at('2026-06-01T03:00:00Z');
    const result = evaluateChallenge(state({ deadline }), progress(200), late);
    expect(result).toEqual({
      unlocks: [{ tierId: 't0', unlockedAt: deadline }],
      status: 'succeeded',
      closedAt: deadline,
      changed: true,
    });
  });

  it('given the deadline passed with nothing unlocked, when evaluated, then the challenge fails at the deadline', () => {
    const result = evaluateChallenge(
      state({ deadline }),
      progress(199),
      at('2026-06-02T00:00:00Z'),
    );
    expect(result).toEqual({ unlocks: [], status: 'failed', closedAt: deadline, changed: true });
  });

  it('given now exactly at the deadline, when evaluated, then it closes', () => {
    expect(evaluateChallenge(state({ deadline }), progress(0), deadline).closedAt).toEqual(
      deadline,
    );
  });

  it('given now just before the deadline, when evaluated, then it stays open', () => {
    const justBefore = new Date(deadline.getTime() - 1);
    const result = evaluateChallenge(state({ deadline }), progress(0), justBefore);
    expect(result).toEqual({ unlocks: [], status: 'open', closedAt: null, changed: false });
  });

  it('given a challenge that succeeded before its deadline, when the deadline passes, then it closes still succeeded', () => {
    const succeeded = state({ status: 'succeeded', unlocked: { t0: earlier }, deadline });
    const result = evaluateChallenge(succeeded, progress(250), at('2026-06-01T00:00:00Z'));
    expect(result).toEqual({ unlocks: [], status: 'succeeded', closedAt: deadline, changed: true });
  });

  it('given a closed challenge, when a higher tier is reached afterwards, then nothing unlocks', () => {
    const closed = state({ status: 'succeeded', unlocked: { t0: earlier }, closedAt: deadline });
    const result = evaluateChallenge(closed, progress(1000), at('2026-06-05T00:00:00Z'));
    expect(result).toEqual({
      unlocks: [],
      status: 'succeeded',
      closedAt: deadline,
      changed: false,
    });
  });

  it('given a failed or fulfilled challenge, when its goals are reached, then nothing unlocks', () => {
    const failed = state({ status: 'failed', closedAt: deadline });
    expect(evaluateChallenge(failed, progress(1000), now)).toMatchObject({
      unlocks: [],
      status: 'failed',
      changed: false,
    });
    const fulfilled = state({
      status: 'fulfilled',
      tiers: [ladder[0] as Tier, ladder[1] as Tier],
      unlocked: { t0: earlier, t1: earlier },
      fulfilled: ['t0', 't1'],
    });
    expect(evaluateChallenge(fulfilled, progress(1000), now)).toMatchObject({
      unlocks: [],
      status: 'fulfilled',
      changed: false,
    });
  });

  it('given its own result fed back, when evaluated again with the same progress, then nothing changes', () => {
    const first = evaluateChallenge(state({ deadline }), progress(450), at('2026-06-01T00:00:00Z'));
    const again = applyEvaluation(state({ deadline }), first);
    expect(evaluateChallenge(again, progress(450), at('2026-06-01T00:05:00Z')).changed).toBe(false);
  });

  it('given a tier id that is also an Object.prototype name, when reached, then it still unlocks', () => {
    const odd = state({ tiers: [tier('constructor', 0, 1)] });
    expect(evaluateChallenge(odd, progress(1), now).unlocks).toEqual([
      { tierId: 'constructor', unlockedAt: now },
    ]);
  });
});

describe('openChallenge', () => {
  it('given a draft, when opened, then it is open', () => {
    expect(openChallenge(state({ status: 'draft' }))).toBe('open');
  });

  it.each<ChallengeStatus>(['open', 'succeeded', 'failed', 'fulfilled'])(
    'given a challenge that is %s, when opened, then it is a conflict',
    (status) => {
      expect(() => openChallenge(state({ status }))).toThrow(
        conflict('TANDEM_CHALLENGE_NOT_DRAFT'),
      );
      expect(() => openChallenge(state({ status }))).toThrow(
        `challenge is ${status}, only a draft can be opened`,
      );
    },
  );
});

describe('closeChallenge', () => {
  it('given an open challenge with a reached tier, when closed by hand, then the tier unlocks and it closes now, succeeded', () => {
    expect(closeChallenge(state({ deadline }), progress(420), now)).toEqual({
      unlocks: [
        { tierId: 't0', unlockedAt: now },
        { tierId: 't1', unlockedAt: now },
      ],
      status: 'succeeded',
      closedAt: now,
      changed: true,
    });
  });

  it('given an open challenge short of its goal, when closed by hand, then it fails now', () => {
    expect(closeChallenge(state(), progress(10), now)).toEqual({
      unlocks: [],
      status: 'failed',
      closedAt: now,
      changed: true,
    });
  });

  it('given a succeeded challenge, when closed by hand, then it stays succeeded', () => {
    const succeeded = state({ status: 'succeeded', unlocked: { t0: earlier } });
    expect(closeChallenge(succeeded, progress(10), now)).toMatchObject({
      status: 'succeeded',
      closedAt: now,
    });
  });

  it('given a deadline already passed but not yet recorded, when closed by hand, then it closed at the deadline', () => {
    const late = at('2026-06-03T00:00:00Z');
    expect(closeChallenge(state({ deadline }), progress(0), late).closedAt).toEqual(deadline);
  });

  it('given a draft or an already closed challenge, when closed, then it is a conflict', () => {
    expect(() => closeChallenge(state({ status: 'draft' }), progress(0), now)).toThrow(
      conflict('TANDEM_CHALLENGE_NOT_OPEN'),
    );
    expect(() =>
      closeChallenge(state({ status: 'failed', closedAt: earlier }), progress(0), now),
    ).toThrow(conflict('TANDEM_CHALLENGE_CLOSED'));
  });
});

describe('acceptsPledges', () => {
  it('given an open or succeeded challenge before its deadline, when asked, then ok', () => {
    expect(acceptsPledges(state({ deadline }), now)).toEqual({ ok: true });
    expect(acceptsPledges(state({ status: 'succeeded', unlocked: { t0: earlier } }), now)).toEqual({
      ok: true,
    });
  });

  it('given a draft, when asked, then refused because it is a draft', () => {
    expect(acceptsPledges(state({ status: 'draft' }), now)).toEqual({
      ok: false,
      reason: 'the challenge is a draft',
      code: 'TANDEM_CHALLENGE_NOT_OPEN',
    });
  });

  it('given a closed challenge, when asked, then refused with the closing time', () => {
    expect(
      acceptsPledges(
        state({ status: 'succeeded', unlocked: { t0: earlier }, closedAt: earlier }),
        now,
      ),
    ).toEqual({
      ok: false,
      reason: 'the challenge closed at 2026-05-01T08:00:00.000Z',
      code: 'TANDEM_CHALLENGE_CLOSED',
    });
  });

  it('given a deadline reached but not yet recorded, when asked at the deadline, then refused', () => {
    expect(acceptsPledges(state({ deadline }), deadline)).toEqual({
      ok: false,
      reason: 'the challenge closed at 2026-05-31T22:00:00.000Z',
      code: 'TANDEM_CHALLENGE_CLOSED',
    });
  });

  it('given a fulfilled challenge, when asked, then refused', () => {
    const fulfilled = state({
      status: 'fulfilled',
      tiers: [ladder[0] as Tier],
      unlocked: { t0: earlier },
      fulfilled: ['t0'],
    });
    expect(acceptsPledges(fulfilled, now).ok).toBe(false);
  });
});

describe('fulfillTier', () => {
  it('given a tier not unlocked, when fulfilled, then it is a conflict', () => {
    expect(() => fulfillTier(state(), 't0')).toThrow(conflict('TANDEM_TIER_NOT_UNLOCKED'));
  });

  it('given an unknown tier, when fulfilled, then it is a conflict', () => {
    expect(() => fulfillTier(state({ unlocked: { t0: earlier } }), 'nope')).toThrow(
      conflict('TANDEM_TIER_UNKNOWN'),
    );
  });

  it('given an open challenge with higher tiers still reachable, when the unlocked tier is fulfilled, then the status is unchanged', () => {
    const succeeded = state({ status: 'succeeded', unlocked: { t0: earlier } });
    expect(fulfillTier(succeeded, 't0')).toEqual({ fulfilled: ['t0'], status: 'succeeded' });
  });

  it('given a closed challenge, when the last unlocked tier is fulfilled, then it is fulfilled', () => {
    const closed = state({
      status: 'succeeded',
      unlocked: { t0: earlier, t1: earlier },
      fulfilled: ['t0'],
      closedAt: deadline,
    });
    expect(fulfillTier(closed, 't1')).toEqual({ fulfilled: ['t0', 't1'], status: 'fulfilled' });
  });

  it('given a closed challenge, when only some unlocked tiers are fulfilled, then the status is unchanged', () => {
    const closed = state({
      status: 'succeeded',
      unlocked: { t0: earlier, t1: earlier },
      closedAt: deadline,
    });
    expect(fulfillTier(closed, 't1')).toEqual({ fulfilled: ['t1'], status: 'succeeded' });
  });

  it('given every tier unlocked while still open, when all are fulfilled, then it is fulfilled', () => {
    const top = state({
      status: 'succeeded',
      unlocked: { t0: earlier, t1: earlier, t2: earlier },
      fulfilled: ['t1', 't0'],
    });
    expect(fulfillTier(top, 't2').status).toBe('fulfilled');
  });

  it('given a tier already fulfilled, when fulfilled again, then nothing grows', () => {
    const succeeded = state({ status: 'succeeded', unlocked: { t0: earlier }, fulfilled: ['t0'] });
    expect(fulfillTier(succeeded, 't0')).toEqual({ fulfilled: ['t0'], status: 'succeeded' });
  });
});

/** A valid ladder of 1–4 tiers: same kinds of targets and match, rising. */
const ladders: fc.Arbitrary<Tier[]> = fc
  .record({
    kinds: fc.constantFrom('participants', 'quantity', 'both'),
    match: fc.constantFrom('all' as const, 'any' as const),
    steps: fc.array(
      fc.record({
        participants: fc.integer({ min: 0, max: 80 }),
        quantity: fc.integer({ min: 0, max: 300 }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  })
  .chain(({ kinds, match, steps }) => {
    let participants = 0;
    let quantity = 0;
    const tiers = steps.map((step, rank): Tier => {
      // +1 so every target is positive, as normalizeGoal requires.
      participants += step.participants + (rank === 0 ? 1 : 0);
      quantity += step.quantity + (rank === 0 ? 1 : 0);
      const goal: Goal = { match };
      if (kinds !== 'quantity') goal.participants = participants;
      if (kinds !== 'participants') goal.quantity = quantity;
      return { id: `t${rank}`, rank, goal };
    });
    // The array's order must not matter, only ranks.
    return fc.shuffledSubarray(tiers, { minLength: tiers.length, maxLength: tiers.length });
  });

const progresses: fc.Arbitrary<Progress> = fc.record({
  participants: fc.integer({ min: 0, max: 400 }),
  quantity: fc.double({ min: 0, max: 1500, noNaN: true }),
  co2eKg: fc.constant(0),
});

const start = at('2026-05-01T00:00:00Z').getTime();
const minute = 60_000;

interface History {
  tiers: Tier[];
  deadlineAfterMinutes: number | null;
  steps: { progress: Progress; minutesLater: number }[];
}

/** Evaluations over time: each step some progress, rising or falling, some minutes later. */
const histories: fc.Arbitrary<History> = fc.record({
  tiers: ladders,
  deadlineAfterMinutes: fc.option(fc.integer({ min: 0, max: 300 }), { nil: null }),
  steps: fc.array(
    fc.record({ progress: progresses, minutesLater: fc.integer({ min: 0, max: 60 }) }),
    { minLength: 1, maxLength: 30 },
  ),
});

/** Histories are cheap; more of them meet the rarer paths (a rise after the close). */
const historyRuns = { numRuns: 500 };

function run(history: History) {
  let s: ChallengeState = {
    status: 'open',
    tiers: history.tiers,
    unlocked: {},
    fulfilled: [],
    deadline:
      history.deadlineAfterMinutes === null
        ? null
        : new Date(start + history.deadlineAfterMinutes * minute),
    closedAt: null,
  };
  let t = start;
  const trace: { before: ChallengeState; evaluation: ReturnType<typeof evaluateChallenge> }[] = [];
  for (const step of history.steps) {
    t += step.minutesLater * minute;
    const evaluation = evaluateChallenge(s, step.progress, new Date(t));
    trace.push({ before: s, evaluation });
    s = applyEvaluation(s, evaluation);
  }
  return { final: s, trace };
}

describe('evaluateChallenge, for any history', () => {
  it('never takes an unlock back: once unlocked, a tier stays unlocked with the same time', () => {
    fc.assert(
      fc.property(histories, (history) => {
        const { trace, final } = run(history);
        for (const { before, evaluation } of trace) {
          const after = applyEvaluation(before, evaluation);
          for (const [tierId, time] of Object.entries(before.unlocked)) {
            expect(after.unlocked[tierId]?.getTime()).toBe(time.getTime());
          }
          // Once a tier is unlocked the challenge reads succeeded, never open or failed.
          if (Object.keys(after.unlocked).length > 0) expect(after.status).toBe('succeeded');
          // A close is final too.
          if (before.closedAt !== null) expect(after.closedAt).toEqual(before.closedAt);
        }
        expect(final.status).not.toBe('draft');
      }),
      historyRuns,
    );
  });

  it('unlocks each tier at most once, never after the close, and never later than the close', () => {
    fc.assert(
      fc.property(histories, (history) => {
        const { trace, final } = run(history);
        const seen = new Set<string>();
        for (const { before, evaluation } of trace) {
          if (before.closedAt !== null) expect(evaluation.unlocks).toEqual([]);
          for (const { tierId, unlockedAt } of evaluation.unlocks) {
            expect(seen.has(tierId)).toBe(false);
            seen.add(tierId);
            if (evaluation.closedAt !== null) {
              expect(unlockedAt.getTime()).toBeLessThanOrEqual(evaluation.closedAt.getTime());
            }
          }
        }
        expect(seen).toEqual(new Set(Object.keys(final.unlocked)));
      }),
      historyRuns,
    );
  });

  it('reports changed exactly when the state moved', () => {
    fc.assert(
      fc.property(histories, (history) => {
        for (const { before, evaluation } of run(history).trace) {
          const moved =
            evaluation.unlocks.length > 0 ||
            evaluation.status !== before.status ||
            evaluation.closedAt?.getTime() !== before.closedAt?.getTime();
          expect(evaluation.changed).toBe(moved);
        }
      }),
      historyRuns,
    );
  });

  it('fails at the deadline exactly when nothing unlocked by then', () => {
    fc.assert(
      fc.property(histories, (history) => {
        const { final } = run(history);
        if (final.closedAt === null) {
          expect(['open', 'succeeded']).toContain(final.status);
        } else {
          const unlockedAny = Object.keys(final.unlocked).length > 0;
          expect(final.status).toBe(unlockedAny ? 'succeeded' : 'failed');
        }
      }),
      historyRuns,
    );
  });
});

describe('evaluateChallenge, whatever order pledges arrive in', () => {
  type Increment = { participants: number; quantity: number };
  const increments: fc.Arbitrary<Increment[]> = fc.array(
    fc.oneof(
      fc.constant({ participants: 1, quantity: 0 }),
      // Quarters are exact in binary, so every order sums to the same total,
      // as the store's exact numeric sums do.
      fc.integer({ min: 1, max: 200 }).map((n) => ({ participants: 0, quantity: n / 4 })),
      fc.integer({ min: 1, max: 200 }).map((n) => ({ participants: 1, quantity: n / 4 })),
    ),
    { maxLength: 120 },
  );

  function replay(tiers: readonly Tier[], sequence: readonly Increment[]): ChallengeState {
    let s: ChallengeState = {
      status: 'open',
      tiers,
      unlocked: {},
      fulfilled: [],
      deadline: null,
      closedAt: null,
    };
    const p: Progress = { participants: 0, quantity: 0, co2eKg: 0 };
    sequence.forEach((inc, i) => {
      p.participants += inc.participants;
      p.quantity += inc.quantity;
      s = applyEvaluation(s, evaluateChallenge(s, { ...p }, new Date(start + i * minute)));
    });
    return s;
  }

  it('ends with the same unlocked tiers and status for any permutation', () => {
    fc.assert(
      fc.property(
        ladders,
        increments.chain((incs) =>
          fc.tuple(
            fc.constant(incs),
            fc.shuffledSubarray(incs, { minLength: incs.length, maxLength: incs.length }),
          ),
        ),
        (tiers, [inOrder, shuffled]) => {
          const a = replay(tiers, inOrder);
          const b = replay(tiers, shuffled);
          expect(Object.keys(b.unlocked).sort()).toEqual(Object.keys(a.unlocked).sort());
          expect(b.status).toBe(a.status);
          // And that common answer is what the final totals reach.
          const total = inOrder.reduce(
            (sum, inc) => ({
              participants: sum.participants + inc.participants,
              quantity: sum.quantity + inc.quantity,
              co2eKg: 0,
            }),
            { participants: 0, quantity: 0, co2eKg: 0 },
          );
          expect(Object.keys(a.unlocked).sort()).toEqual(
            reachedTiers(tiers, total)
              .map((t) => t.id)
              .sort(),
          );
        },
      ),
    );
  });
});
