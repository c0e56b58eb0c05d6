import { describe, expect, it } from 'vitest';
import type { AgreementAcceptance } from '../agreements/model.ts';
import type { EnrollmentStatus, ProgramRole } from '../enrollments/model.ts';
import type { AcceptanceId, EnrollmentId, OrganizationId, PartnerId, TenantId } from '../kernel/ids.ts';
import { defaultProgram } from '../program/load.ts';
import { evaluateStanding, STANDING_STEPS, type StandingFacts, type StandingStep } from './standing.ts';

const program = defaultProgram();
const NOW = new Date('2026-06-01T12:00:00.000Z');
const TENANT = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' as TenantId;
const ORG = '11111111-1111-4111-8111-111111111111' as OrganizationId;
const ENROLLMENT = 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee' as EnrollmentId;
const PARTNER_ID = 1000002 as PartnerId;

const mpa = (version = program.agreements.partner.version): AgreementAcceptance => ({
  id: 'acc-1' as AcceptanceId,
  agreement: 'partner',
  version,
  organizationId: ORG,
  tenantId: TENANT,
  region: 'europe',
  signer: { userId: null, name: 'Ada Admin', email: 'ada@fabrikam.example' },
  acceptedAt: '2026-01-01T00:00:00.000Z',
  recordedAt: '2026-01-01T00:00:00.000Z',
  supersedesId: null,
});

/** A French reseller that has done everything: onboarded, associated, enrolled (active), MPA for europe. */
function good(): StandingFacts {
  return {
    tenant: { id: TENANT, type: 'partner', country: 'FR', organizationId: ORG },
    location: { partnerId: PARTNER_ID, country: 'FR' },
    enrollment: { id: ENROLLMENT, role: 'indirect-reseller', status: 'active' },
    partnerAgreement: mpa(),
  };
}

function enrolled(status: EnrollmentStatus, role: ProgramRole = 'indirect-reseller'): StandingFacts {
  return { ...good(), enrollment: { id: ENROLLMENT, role, status } };
}

function evaluate(facts: StandingFacts, ask: { region?: string; role?: ProgramRole; now?: Date } = {}) {
  return evaluateStanding(program, facts, {
    region: ask.region ?? 'europe',
    role: ask.role,
    now: ask.now ?? NOW,
  });
}

const codes = (s: { violations: readonly { code: string }[] }) => s.violations.map((v) => v.code);
const notDone = (s: { steps: readonly { step: StandingStep; done: boolean }[] }) =>
  s.steps.filter((x) => !x.done).map((x) => x.step);

describe('evaluateStanding', () => {
  it('all good: may transact, every step done, no violation', () => {
    const s = evaluate(good());
    expect(s).toEqual({
      tenantId: TENANT,
      region: 'europe',
      role: 'indirect-reseller',
      partnerId: PARTNER_ID,
      enrollmentStatus: 'active',
      mayTransact: true,
      steps: STANDING_STEPS.map((step) => ({ step, done: true })),
      violations: [],
    });
  });

  it('lists the steps in the order a partner takes them', () => {
    expect(evaluate(good()).steps.map((s) => s.step)).toEqual([
      'onboarded',
      'partner-id',
      'enrolled',
      'verified',
      'active',
      'partner-agreement',
      'region',
    ]);
  });

  describe('each missing step on its own', () => {
    const cases: [string, StandingFacts, { region?: string }, string, StandingStep][] = [
      [
        'a customer tenant',
        { ...good(), tenant: { ...good().tenant, type: 'customer' } },
        {},
        'PARTNER_NOT_ONBOARDED',
        'onboarded',
      ],
      [
        'a vendor tenant',
        { ...good(), tenant: { ...good().tenant, type: 'vendor' } },
        {},
        'PARTNER_NOT_ONBOARDED',
        'onboarded',
      ],
      [
        'no location Partner ID',
        { ...good(), location: undefined },
        {},
        'PARTNER_ID_NOT_ASSOCIATED',
        'partner-id',
      ],
      [
        'a location Partner ID of another country',
        { ...good(), location: { partnerId: PARTNER_ID, country: 'DE' } },
        {},
        'PARTNER_ID_COUNTRY_MISMATCH',
        'partner-id',
      ],
      ['no enrollment', { ...good(), enrollment: undefined }, {}, 'PARTNER_NOT_ENROLLED', 'enrolled'],
      ['a rejected enrollment', enrolled('rejected'), {}, 'PARTNER_NOT_ENROLLED', 'enrolled'],
      ['a declined enrollment', enrolled('declined'), {}, 'PARTNER_NOT_ENROLLED', 'enrolled'],
      ['a pending enrollment', enrolled('pending'), {}, 'ENROLLMENT_NOT_VERIFIED', 'verified'],
      ['a qualified enrollment', enrolled('qualified'), {}, 'ENROLLMENT_NOT_ACTIVE', 'active'],
      [
        'a restricted direct-bill enrollment',
        enrolled('restricted', 'direct-bill'),
        {},
        'DIRECT_BILL_RESTRICTED',
        'active',
      ],
      ['no MPA', { ...good(), partnerAgreement: undefined }, {}, 'MPA_NOT_SIGNED', 'partner-agreement'],
      [
        'an outdated MPA',
        { ...good(), partnerAgreement: mpa('2019-01-01') },
        {},
        'MPA_VERSION_OUTDATED',
        'partner-agreement',
      ],
      ['another region', good(), { region: 'united-states' }, 'REGION_MISMATCH', 'region'],
    ];

    it.each(cases)('%s → %s', (_, facts, ask, code, step) => {
      const s = evaluate(facts, ask);
      expect(s.mayTransact).toBe(false);
      expect(codes(s)).toEqual([code]);
      expect(s.steps.find((x) => x.step === step)?.done).toBe(false);
      expect(s.violations[0]?.remedies.length).toBeGreaterThan(0);
    });
  });

  it('a customer tenant has taken none of the partner steps (only the region is checked)', () => {
    const s = evaluate({ ...good(), tenant: { ...good().tenant, type: 'customer' } });
    expect(notDone(s)).toEqual([
      'onboarded',
      'partner-id',
      'enrolled',
      'verified',
      'active',
      'partner-agreement',
    ]);
  });

  it('each single violation marks only its own step as not done', () => {
    expect(notDone(evaluate({ ...good(), location: undefined }))).toEqual(['partner-id']);
    expect(notDone(evaluate({ ...good(), partnerAgreement: undefined }))).toEqual(['partner-agreement']);
    expect(notDone(evaluate(good(), { region: 'united-states' }))).toEqual(['region']);
    expect(notDone(evaluate(enrolled('qualified')))).toEqual(['active']);
  });

  // BUG (src/rules/standing.ts): the later enrollment steps are computed independently of the earlier
  // ones, so a tenant with no enrollment (or a pending one) is reported with `verified` and `active`
  // done. A step cannot be done when the step it builds on is not.
  it('without an enrollment, neither `verified` nor `active` is done', () => {
    const s = evaluate({ ...good(), enrollment: undefined });
    expect(notDone(s)).toEqual(['enrolled', 'verified', 'active']);
  });

  // BUG (same cause): a pending enrollment is reported with the `active` step done.
  it('with a pending enrollment, `active` is not done', () => {
    expect(notDone(evaluate(enrolled('pending')))).toEqual(['verified', 'active']);
  });

  it('tells the rejected or declined status in the message', () => {
    expect(evaluate(enrolled('rejected')).violations[0]?.message).toBe(
      `The indirect-reseller enrollment of tenant ${TENANT} was rejected.`,
    );
    expect(
      evaluate({ ...good(), enrollment: undefined }, { role: 'direct-bill' }).violations[0]?.message,
    ).toBe(`Tenant ${TENANT} is not enrolled as direct-bill.`);
  });

  it('the region remedy names the region asked for; an unknown country has no region', () => {
    const s = evaluate(good(), { region: 'united-states' });
    expect(s.violations[0]?.scenario).toBe('7');
    expect(s.violations[0]?.message).toBe(`Tenant ${TENANT} is located in europe, not in united-states.`);
    const lost = evaluate({
      ...good(),
      tenant: { ...good().tenant, country: 'XX' },
      location: { partnerId: PARTNER_ID, country: 'XX' },
    });
    expect(codes(lost)).toEqual(['REGION_MISMATCH']);
    expect(lost.violations[0]?.message).toContain('no region');
  });

  it('before the MPA effective date, no MPA is needed (enforceMpaFromEffectiveDate)', () => {
    const s = evaluate(
      { ...good(), partnerAgreement: undefined },
      { now: new Date('2020-01-15T00:00:00.000Z') },
    );
    expect(s.mayTransact).toBe(true);
    expect(s.violations).toEqual([]);
  });

  it('reports the role asked for, else the enrollment role, else null', () => {
    expect(evaluate(good()).role).toBe('indirect-reseller');
    expect(evaluate(good(), { role: 'direct-bill' }).role).toBe('direct-bill');
    const none = evaluate({ ...good(), enrollment: undefined, location: undefined });
    expect(none).toMatchObject({ role: null, partnerId: null, enrollmentStatus: null });
  });

  describe('several missing at once: every violation, in step order', () => {
    it('no Partner ID, pending, no MPA, other region', () => {
      const s = evaluate(
        { ...enrolled('pending'), location: undefined, partnerAgreement: undefined },
        { region: 'united-states' },
      );
      expect(s.mayTransact).toBe(false);
      expect(codes(s)).toEqual([
        'PARTNER_ID_NOT_ASSOCIATED',
        'ENROLLMENT_NOT_VERIFIED',
        'MPA_NOT_SIGNED',
        'REGION_MISMATCH',
      ]);
    });

    it('country mismatch, rejected, outdated MPA', () => {
      const s = evaluate({
        ...enrolled('rejected'),
        location: { partnerId: PARTNER_ID, country: 'DE' },
        partnerAgreement: mpa('2019-01-01'),
      });
      expect(codes(s)).toEqual([
        'PARTNER_ID_COUNTRY_MISMATCH',
        'PARTNER_NOT_ENROLLED',
        'MPA_VERSION_OUTDATED',
      ]);
    });

    it('no Partner ID, qualified, no MPA', () => {
      expect(
        codes(evaluate({ ...enrolled('qualified'), location: undefined, partnerAgreement: undefined })),
      ).toEqual(['PARTNER_ID_NOT_ASSOCIATED', 'ENROLLMENT_NOT_ACTIVE', 'MPA_NOT_SIGNED']);
    });

    it('restricted direct-bill, no MPA, other region', () => {
      expect(
        codes(
          evaluate(
            { ...enrolled('restricted', 'direct-bill'), partnerAgreement: undefined },
            { region: 'japan', role: 'direct-bill' },
          ),
        ),
      ).toEqual(['DIRECT_BILL_RESTRICTED', 'MPA_NOT_SIGNED', 'REGION_MISMATCH']);
    });

    it('a customer tenant in another region', () => {
      expect(
        codes(evaluate({ ...good(), tenant: { ...good().tenant, type: 'customer' } }, { region: 'india' })),
      ).toEqual(['PARTNER_NOT_ONBOARDED', 'REGION_MISMATCH']);
    });
  });
});
