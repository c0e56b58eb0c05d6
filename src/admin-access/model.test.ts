import { describe, expect, it } from 'vitest';
import {
  ADMIN_RELATIONSHIP_STATES,
  ADMIN_RELATIONSHIP_TRANSITIONS,
  type AdminRelationship,
  type AdminRelationshipState,
  type AutoExtend,
  effectiveAdminState,
  effectiveEnd,
  storedStateOf,
} from './model.ts';
import { transitionViolation } from './rules.ts';

const DAY = 86_400_000;
const ACTIVATED = new Date('2026-01-15T10:00:00.000Z');
const at = (base: Date, days: number, ms = 0) => new Date(base.getTime() + days * DAY + ms);

type Timing = Pick<AdminRelationship, 'state' | 'endsAt' | 'autoExtend'>;

function active(durationDays: number, autoExtend: AutoExtend = 'none'): Timing {
  return { state: 'active', endsAt: at(ACTIVATED, durationDays).toISOString(), autoExtend };
}

describe('admin relationship transitions (GDAP lifecycle)', () => {
  const pairs = ADMIN_RELATIONSHIP_STATES.flatMap((from) =>
    ADMIN_RELATIONSHIP_STATES.map((to) => ({ from, to })),
  );

  /** The lifecycle spelled out (not derived from the table). */
  const ALLOWED = new Set([
    'created>approvalPending',
    'created>terminated',
    'approvalPending>active',
    'approvalPending>terminated',
    'active>expiring',
    'active>expired',
    'active>terminated',
    'expiring>active', // auto-extension moves the end
    'expiring>expired',
    'expiring>terminated',
  ]);

  it('covers every from × to pair', () => {
    expect(pairs).toHaveLength(36);
  });

  it.each(pairs)('$from → $to', ({ from, to }) => {
    const allowed = ALLOWED.has(`${from}>${to}`);
    const v = transitionViolation(from, to);
    expect(v?.code).toBe(allowed ? undefined : 'INVALID_TRANSITION');
    expect(ADMIN_RELATIONSHIP_TRANSITIONS[from].includes(to)).toBe(allowed);
    if (v) {
      expect(v.field).toBe('adminRelationshipId');
      expect(v.scenario).toBe('3');
      expect(v.message).toBe(`The admin relationship is ${from}; it cannot become ${to}.`);
    }
  });

  it('expired and terminated are final: the remedy is a new relationship', () => {
    for (const from of ['expired', 'terminated'] as const) {
      for (const to of ADMIN_RELATIONSHIP_STATES) {
        expect(transitionViolation(from, to)?.remedies).toEqual([
          'Create a new admin relationship and have the customer’s global admin approve it.',
        ]);
      }
    }
    expect(transitionViolation('created', 'active')?.remedies).toEqual([]);
  });

  it('maps each effective state to the stored state it derives from', () => {
    const stored = Object.fromEntries(ADMIN_RELATIONSHIP_STATES.map((s) => [s, storedStateOf(s)]));
    expect(stored).toEqual({
      created: 'created',
      approvalPending: 'approvalPending',
      active: 'active',
      expiring: 'active',
      expired: 'active',
      terminated: 'terminated',
    });
  });
});

describe('effectiveAdminState: expiry derived from now', () => {
  it.each([
    ['created', null],
    ['approvalPending', null],
    ['terminated', null],
    ['terminated', at(ACTIVATED, -1).toISOString()],
  ] as const)('a %s relationship (ends %s) stays as stored at any time', (state, endsAt) => {
    for (const days of [-10, 0, 29, 31, 365, 2000]) {
      expect(effectiveAdminState({ state, endsAt, autoExtend: 'none' }, at(ACTIVATED, days))).toBe(state);
    }
  });

  it('a stored active relationship without an end is active (no end to expire at)', () => {
    expect(effectiveAdminState({ state: 'active', endsAt: null, autoExtend: 'none' }, ACTIVATED)).toBe(
      'active',
    );
    expect(effectiveEnd({ endsAt: null, autoExtend: 'P180D' }, ACTIVATED)).toBeUndefined();
  });

  const ninety = active(90);
  const cases: readonly [string, Date, AdminRelationshipState][] = [
    ['at activation', ACTIVATED, 'active'],
    ['31 days before the end', at(ACTIVATED, 59), 'active'],
    ['30 days + 1 ms before the end', at(ACTIVATED, 60, -1), 'active'],
    ['exactly 30 days before the end (window opens)', at(ACTIVATED, 60), 'expiring'],
    ['10 days before the end', at(ACTIVATED, 80), 'expiring'],
    ['1 ms before the end', at(ACTIVATED, 90, -1), 'expiring'],
    ['at the end', at(ACTIVATED, 90), 'expired'],
    ['a day after the end', at(ACTIVATED, 91), 'expired'],
    ['three years later', at(ACTIVATED, 90 + 3 * 365), 'expired'],
  ];
  it.each(cases)('90 days, no auto-extend: %s → %s', (_label, now, state) => {
    expect(effectiveAdminState(ninety, now)).toBe(state);
    expect(effectiveEnd(ninety, now)?.toISOString()).toBe(ninety.endsAt);
  });

  it('a relationship shorter than the window is expiring from its activation', () => {
    expect(effectiveAdminState(active(1), ACTIVATED)).toBe('expiring');
    expect(effectiveAdminState(active(1), at(ACTIVATED, 1))).toBe('expired');
    expect(effectiveAdminState(active(730), at(ACTIVATED, 699, -1))).toBe('active');
    expect(effectiveAdminState(active(730), at(ACTIVATED, 700))).toBe('expiring');
    expect(effectiveAdminState(active(730), at(ACTIVATED, 730))).toBe('expired');
  });
});

describe('auto-extend P180D: the end moves by 180-day steps, never expired', () => {
  const r = active(90, 'P180D');
  const firstEnd = at(ACTIVATED, 90);

  it.each([
    ['before the first end', at(ACTIVATED, 10), 0, 'active'],
    ['inside the window before the first end', at(ACTIVATED, 70), 0, 'expiring'],
    ['at the first end', firstEnd, 180, 'active'],
    ['a day after the first end', at(firstEnd, 1), 180, 'active'],
    ['30 days before the second end', at(firstEnd, 150), 180, 'expiring'],
    ['1 ms before the second end', at(firstEnd, 180, -1), 180, 'expiring'],
    ['at the second end', at(firstEnd, 180), 360, 'active'],
    ['a day after the second end', at(firstEnd, 181), 360, 'active'],
  ] as const)('%s: end + %i days → %s', (_label, now, shift, state) => {
    expect(effectiveEnd(r, now)?.toISOString()).toBe(at(firstEnd, shift).toISOString());
    expect(effectiveAdminState(r, now)).toBe(state);
  });

  it('day after day for five years it is active or expiring, never expired', () => {
    const seen = new Set<AdminRelationshipState>();
    for (let day = 0; day <= 5 * 365; day++) {
      const now = at(ACTIVATED, day, 3_600_000);
      const state = effectiveAdminState(r, now);
      seen.add(state);
      const end = effectiveEnd(r, now) as Date;
      expect(end.getTime()).toBeGreaterThan(now.getTime());
      expect((end.getTime() - firstEnd.getTime()) % (180 * DAY)).toBe(0);
    }
    expect([...seen].sort()).toEqual(['active', 'expiring']);
  });

  it('without auto-extend the same relationship expires', () => {
    expect(effectiveAdminState({ ...r, autoExtend: 'none' }, at(firstEnd, 1))).toBe('expired');
  });
});
