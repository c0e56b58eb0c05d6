import { describe, expect, it } from 'vitest';
import { addMonths } from '../kernel/time.ts';
import {
  atTermEnd,
  canTransition,
  insideCancellationWindow,
  SUBSCRIPTION_STATUSES,
  SUBSCRIPTION_TRANSITIONS,
  type SubscriptionStatus,
  type SubscriptionTransition,
  termEnd,
} from './model.ts';

describe('subscription state machine', () => {
  // The whole table: every (status, transition) pair, allowed or not.
  const allowed: Record<SubscriptionTransition, SubscriptionStatus[]> = {
    suspend: ['active'],
    reactivate: ['suspended'],
    cancel: ['active', 'suspended'],
    renew: ['active'],
    expire: ['active'],
    disable: ['suspended'],
  };
  for (const t of Object.keys(SUBSCRIPTION_TRANSITIONS) as SubscriptionTransition[]) {
    for (const s of SUBSCRIPTION_STATUSES) {
      const yes = allowed[t].includes(s);
      it(`${s} ${yes ? 'may' : 'may not'} ${t}`, () => expect(canTransition(s, t)).toBe(yes));
    }
  }

  it('terminal statuses allow nothing', () => {
    for (const s of ['disabled', 'expired', 'cancelled'] as const)
      for (const t of Object.keys(SUBSCRIPTION_TRANSITIONS) as SubscriptionTransition[])
        expect(canTransition(s, t)).toBe(false);
  });

  it('at term end: active renews or expires by auto-renew; suspended is disabled; others nothing', () => {
    expect(atTermEnd({ status: 'active', autoRenew: true })).toBe('renew');
    expect(atTermEnd({ status: 'active', autoRenew: false })).toBe('expire');
    expect(atTermEnd({ status: 'suspended', autoRenew: true })).toBe('disable');
    expect(atTermEnd({ status: 'cancelled', autoRenew: false })).toBeUndefined();
  });
});

describe('terms and the cancellation window', () => {
  it('a term ends the same day N months later, clamped to the month end and anchored on the purchase day', () => {
    const jan31 = new Date('2026-01-31T09:30:00.000Z');
    expect(termEnd(jan31, 'P1M', jan31).toISOString()).toBe('2026-02-28T09:30:00.000Z');
    // The next monthly term goes back to the 31st where the month has one.
    expect(termEnd(new Date('2026-02-28T09:30:00.000Z'), 'P1M', jan31).toISOString()).toBe(
      '2026-03-31T09:30:00.000Z',
    );
    expect(termEnd(jan31, 'P1Y', jan31).toISOString()).toBe('2027-01-31T09:30:00.000Z');
    const leap = new Date('2028-02-29T00:00:00.000Z');
    expect(termEnd(leap, 'P1Y', leap).toISOString()).toBe('2029-02-28T00:00:00.000Z');
    expect(termEnd(leap, 'P3Y', leap).toISOString()).toBe('2031-02-28T00:00:00.000Z');
  });

  it('addMonths crosses year boundaries both ways', () => {
    expect(addMonths(new Date('2026-11-15T00:00:00.000Z'), 3).toISOString()).toBe('2027-02-15T00:00:00.000Z');
    expect(addMonths(new Date('2026-01-15T00:00:00.000Z'), -2).toISOString()).toBe(
      '2025-11-15T00:00:00.000Z',
    );
  });

  it('the window is inclusive of its last instant; usage-based subscriptions are always cancellable', () => {
    const s = { billing: 'license' as const, cancellationWindowEndsAt: '2026-01-08T10:00:00.000Z' };
    expect(insideCancellationWindow(s, new Date('2026-01-08T10:00:00.000Z'))).toBe(true);
    expect(insideCancellationWindow(s, new Date('2026-01-08T10:00:00.001Z'))).toBe(false);
    expect(insideCancellationWindow({ billing: 'usage', cancellationWindowEndsAt: null }, new Date())).toBe(
      true,
    );
    expect(insideCancellationWindow({ billing: 'license', cancellationWindowEndsAt: null }, new Date())).toBe(
      false,
    );
  });
});
