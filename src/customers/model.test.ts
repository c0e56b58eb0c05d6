import { describe, expect, it } from 'vitest';
import {
  type CustomerRelationshipState,
  effectiveInvitationStatus,
  INVITATION_STATUSES,
  INVITATION_TRANSITIONS,
  type InvitationStatus,
  RELATIONSHIP_STATES,
} from './model.ts';
import { invitationTransitionViolation, relationshipTransitionViolation } from './rules.ts';

describe('customer invitation transitions', () => {
  const pairs = INVITATION_STATUSES.flatMap((from) => INVITATION_STATUSES.map((to) => ({ from, to })));

  /** The lifecycle spelled out (not derived from the table): pending → accepted | declined | expired. */
  const ALLOWED = new Set(['pending>accepted', 'pending>declined', 'pending>expired']);

  function expected(from: InvitationStatus, to: InvitationStatus): string | undefined {
    if (ALLOWED.has(`${from}>${to}`)) return undefined;
    return from === 'expired' ? 'INVITATION_EXPIRED' : 'INVALID_TRANSITION';
  }

  it('covers every from × to pair', () => {
    expect(pairs).toHaveLength(16);
  });

  it.each(pairs)('$from → $to', ({ from, to }) => {
    const v = invitationTransitionViolation(from, to);
    expect(v?.code).toBe(expected(from, to));
    expect(INVITATION_TRANSITIONS[from].includes(to)).toBe(expected(from, to) === undefined);
    if (v) expect(v.field).toBe('token');
  });

  it('tells the customer of an expired invitation to ask for a new one', () => {
    expect(invitationTransitionViolation('expired', 'accepted')?.remedies).toEqual([
      'Ask the partner to send a new invitation.',
    ]);
    expect(invitationTransitionViolation('accepted', 'declined')?.message).toBe(
      'The invitation is accepted; it cannot become declined.',
    );
  });
});

describe('customer relationship transitions', () => {
  const pairs = RELATIONSHIP_STATES.flatMap((from) => RELATIONSHIP_STATES.map((to) => ({ from, to })));

  function expected(from: CustomerRelationshipState, to: CustomerRelationshipState): string | undefined {
    return from === 'active' && to === 'removed' ? undefined : 'INVALID_TRANSITION';
  }

  it('covers every from × to pair', () => {
    expect(pairs).toHaveLength(4);
  });

  it.each(pairs)('$from → $to', ({ from, to }) => {
    expect(relationshipTransitionViolation(from, to)?.code).toBe(expected(from, to));
  });

  it('suggests a new invitation once a relationship is removed', () => {
    expect(relationshipTransitionViolation('removed', 'removed')?.remedies).toEqual([
      'Invite the customer again to establish a new relationship.',
    ]);
  });
});

describe('effectiveInvitationStatus', () => {
  const expiresAt = '2026-04-15T10:00:00.000Z';
  const before = new Date('2026-04-15T09:59:59.999Z');
  const at = new Date(expiresAt);

  it.each(INVITATION_STATUSES)('%s before the expiry is itself', (status) => {
    expect(effectiveInvitationStatus({ status, expiresAt }, before)).toBe(status);
  });

  it.each(INVITATION_STATUSES)('%s at the expiry', (status) => {
    expect(effectiveInvitationStatus({ status, expiresAt }, at)).toBe(
      status === 'pending' ? 'expired' : status,
    );
  });
});
