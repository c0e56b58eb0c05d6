import { describe, expect, it } from 'vitest';
import type { TenantId, UserId } from '../kernel/ids.ts';
import type { Principal, UserRole } from '../kernel/principal.ts';
import { defaultProgram } from '../program/load.ts';
import {
  canTransitionPartnership,
  effectivePartnershipState,
  PARTNERSHIP_STATES,
  type PartnershipStatus,
  SUPPORT_REQUEST_STATUSES,
} from './model.ts';
import {
  authorizationFirst,
  canTransition,
  decideChangePartnershipState,
  decideDeclinePartnership,
  decideOpenSupportRequest,
  decideResolveSupportRequest,
  invitationExpiresAt,
  transitionViolation,
} from './rules.ts';

/** Every allowed move, written out independently of `PARTNERSHIP_TRANSITIONS`. */
const ALLOWED = new Set([
  'invited→active',
  'invited→declined',
  'invited→expired',
  'active→suspended',
  'active→ended',
  'suspended→active',
  'suspended→ended',
]);

const PAIRS = PARTNERSHIP_STATES.flatMap((from) =>
  PARTNERSHIP_STATES.map((to) => ({ from, to, allowed: ALLOWED.has(`${from}→${to}`) })),
);

describe('partnership transitions', () => {
  it('covers every pair of states', () => {
    expect(PAIRS).toHaveLength(PARTNERSHIP_STATES.length ** 2);
    expect(PARTNERSHIP_STATES).toEqual(['invited', 'declined', 'expired', 'active', 'suspended', 'ended']);
  });

  it.each(PAIRS)('$from → $to allowed: $allowed', ({ from, to, allowed }) => {
    expect(canTransitionPartnership(from, to)).toBe(allowed);
    expect(canTransition(from, to)).toBe(allowed);
    const v = transitionViolation(from, to);
    if (allowed) expect(v).toBeUndefined();
    else expect(v).toMatchObject({ code: 'INVALID_TRANSITION' });
  });

  it('points a finished partnership to a new invitation', () => {
    for (const from of ['declined', 'expired', 'ended'] as const) {
      expect(transitionViolation(from, 'active')?.remedies).toEqual([
        'The provider invites the reseller to a new partnership.',
      ]);
    }
  });
});

describe('effectivePartnershipState', () => {
  const expiresAt = '2026-04-15T10:00:00.000Z';
  const at = (iso: string) => new Date(iso);

  it.each([
    { now: '2026-04-15T09:59:59.999Z', expected: 'invited' },
    { now: '2026-04-15T10:00:00.000Z', expected: 'expired' },
    { now: '2026-04-15T10:00:00.001Z', expected: 'expired' },
    { now: '2027-01-01T00:00:00.000Z', expected: 'expired' },
  ])('an invitation at $now is $expected', ({ now, expected }) => {
    expect(effectivePartnershipState({ state: 'invited', expiresAt }, at(now))).toBe(expected);
  });

  it.each(PARTNERSHIP_STATES.filter((s) => s !== 'invited'))(
    'a %s partnership keeps its state after the invitation expiry',
    (state) => {
      expect(effectivePartnershipState({ state, expiresAt }, at('2027-01-01T00:00:00.000Z'))).toBe(state);
    },
  );
});

describe('invitationExpiresAt', () => {
  it('adds the program policy days', () => {
    const program = defaultProgram();
    expect(program.policies.partnershipInvitationDays).toBe(90);
    expect(invitationExpiresAt(program, new Date('2026-01-15T10:00:00.000Z')).toISOString()).toBe(
      '2026-04-15T10:00:00.000Z',
    );
    const short = { ...program, policies: { ...program.policies, partnershipInvitationDays: 7 } };
    expect(invitationExpiresAt(short, new Date('2026-01-15T10:00:00.000Z')).toISOString()).toBe(
      '2026-01-22T10:00:00.000Z',
    );
  });
});

const PROVIDER = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const RESELLER = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
function user(tenantId: string, ...roles: UserRole[]): Principal {
  return {
    kind: 'user',
    userId: 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' as UserId,
    tenantId: tenantId as TenantId,
    roles,
  };
}
const OPERATOR: Principal = user('eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee', 'program-operator');
const codesOf = (d: { violations: readonly { code: string }[] }) => d.violations.map((v) => v.code);

describe('decideDeclinePartnership', () => {
  it.each(PARTNERSHIP_STATES)('from %s by the reseller global admin', (state) => {
    const d = decideDeclinePartnership({
      actor: user(RESELLER, 'global-admin'),
      resellerTenantId: RESELLER,
      state,
    });
    const expected =
      state === 'invited' ? [] : state === 'expired' ? ['INVITATION_EXPIRED'] : ['INVALID_TRANSITION'];
    expect(codesOf(d)).toEqual(expected);
    expect(d.allowed).toBe(expected.length === 0);
  });

  it('refuses anyone but the reseller global admin', () => {
    for (const actor of [user(RESELLER, 'admin-agent'), user(PROVIDER, 'global-admin'), OPERATOR]) {
      expect(
        codesOf(decideDeclinePartnership({ actor, resellerTenantId: RESELLER, state: 'invited' })),
      ).toEqual(['NOT_AUTHORIZED']);
    }
  });
});

describe('decideChangePartnershipState', () => {
  const cases: { from: PartnershipStatus; to: 'suspended' | 'active'; ok: boolean }[] =
    PARTNERSHIP_STATES.flatMap((from) => [
      { from, to: 'suspended' as const, ok: from === 'active' },
      { from, to: 'active' as const, ok: from === 'suspended' },
    ]);
  it.each(cases)('$from → $to: $ok', ({ from, to, ok }) => {
    const d = decideChangePartnershipState({
      actor: user(PROVIDER, 'admin-agent'),
      providerTenantId: PROVIDER,
      from,
      to,
    });
    expect(codesOf(d)).toEqual(ok ? [] : ['INVALID_TRANSITION']);
  });

  it('allows the provider admins and the operator, nobody else', () => {
    const ok = [user(PROVIDER, 'global-admin'), user(PROVIDER, 'admin-agent'), OPERATOR];
    const denied = [
      user(PROVIDER, 'sales-agent'),
      user(PROVIDER, 'helpdesk-agent'),
      user(RESELLER, 'global-admin'),
    ];
    for (const actor of ok)
      expect(
        decideChangePartnershipState({ actor, providerTenantId: PROVIDER, from: 'active', to: 'suspended' })
          .allowed,
      ).toBe(true);
    for (const actor of denied)
      expect(
        codesOf(
          decideChangePartnershipState({
            actor,
            providerTenantId: PROVIDER,
            from: 'active',
            to: 'suspended',
          }),
        ),
      ).toEqual(['NOT_AUTHORIZED']);
  });
});

describe('decideOpenSupportRequest', () => {
  it.each(PARTNERSHIP_STATES)('for a %s partnership', (state) => {
    const d = decideOpenSupportRequest({
      actor: user(RESELLER, 'helpdesk-agent'),
      providerTenantId: PROVIDER,
      resellerTenantId: RESELLER,
      state,
    });
    expect(codesOf(d)).toEqual(state === 'active' || state === 'suspended' ? [] : ['INVALID_TRANSITION']);
  });

  it('admits admins, admin agents and helpdesk agents of either party only', () => {
    const facts = { providerTenantId: PROVIDER, resellerTenantId: RESELLER, state: 'active' as const };
    for (const tenant of [PROVIDER, RESELLER])
      for (const role of ['global-admin', 'admin-agent', 'helpdesk-agent'] as const)
        expect(decideOpenSupportRequest({ ...facts, actor: user(tenant, role) }).allowed).toBe(true);
    for (const actor of [
      user(PROVIDER, 'sales-agent'),
      OPERATOR,
      user('ffffffff-ffff-4fff-8fff-ffffffffffff', 'global-admin'),
    ])
      expect(codesOf(decideOpenSupportRequest({ ...facts, actor }))).toEqual(['NOT_AUTHORIZED']);
  });
});

describe('decideResolveSupportRequest', () => {
  it.each(
    SUPPORT_REQUEST_STATUSES.flatMap((status) =>
      (['resolved', 'rejected'] as const).map((outcome) => ({ status, outcome })),
    ),
  )('$status → $outcome', ({ status, outcome }) => {
    expect(codesOf(decideResolveSupportRequest({ actor: OPERATOR, status, outcome }))).toEqual(
      status === 'open' ? [] : ['INVALID_TRANSITION'],
    );
  });

  it('is the operator’s alone', () => {
    expect(
      codesOf(
        decideResolveSupportRequest({
          actor: user(PROVIDER, 'global-admin'),
          status: 'open',
          outcome: 'resolved',
        }),
      ),
    ).toEqual(['NOT_AUTHORIZED']);
  });
});

describe('helpers', () => {
  it('authorizationFirst hides everything but NOT_AUTHORIZED', () => {
    const d = decideDeclinePartnership({
      actor: user(PROVIDER, 'global-admin'),
      resellerTenantId: RESELLER,
      state: 'ended',
    });
    expect(codesOf(d)).toEqual(['NOT_AUTHORIZED', 'INVALID_TRANSITION']);
    expect(codesOf(authorizationFirst(d))).toEqual(['NOT_AUTHORIZED']);
    const ok = decideDeclinePartnership({
      actor: user(RESELLER, 'global-admin'),
      resellerTenantId: RESELLER,
      state: 'ended',
    });
    expect(authorizationFirst(ok)).toBe(ok);
  });
});
