import { describe, expect, it } from 'vitest';
import type { AcceptanceId, OrganizationId, TenantId } from '../kernel/ids.ts';
import { defaultProgram } from '../program/load.ts';
import type { Program } from '../program/program.ts';
import type { AgreementAcceptance } from './model.ts';
import { effectiveFrom, notYetEffectiveViolation, partnerAgreementViolation } from './rules.ts';

const program = defaultProgram();
const mpa = program.agreements.partner;
const TENANT = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const AFTER = new Date('2026-06-01T12:00:00.000Z');
const BEFORE = new Date('2019-12-31T12:00:00.000Z');

function acceptance(version: string, region = 'europe'): AgreementAcceptance {
  return {
    id: 'acc-1' as AcceptanceId,
    agreement: 'partner',
    version,
    organizationId: 'org-1' as OrganizationId,
    tenantId: TENANT as TenantId,
    region,
    signer: { userId: null, name: 'Ada Admin', email: 'ada@fabrikam.example' },
    acceptedAt: '2026-01-01T00:00:00.000Z',
    recordedAt: '2026-01-01T00:00:00.000Z',
    supersedesId: null,
  };
}

function withPolicy(enforceMpaFromEffectiveDate: boolean): Program {
  const base = defaultProgram();
  return { ...base, policies: { ...base.policies, enforceMpaFromEffectiveDate } };
}

describe('the default partner agreement', () => {
  it('is the MPA, version 2020-02-01, effective 2020-02-01 (UTC midnight)', () => {
    expect(mpa).toMatchObject({ abbreviation: 'MPA', version: '2020-02-01', effectiveDate: '2020-02-01' });
    expect(effectiveFrom(mpa).toISOString()).toBe('2020-02-01T00:00:00.000Z');
  });
});

describe('notYetEffectiveViolation', () => {
  it('refuses an acceptance before 2020-02-01', () => {
    for (const at of ['2020-01-31T23:59:59.999Z', '2019-06-01T00:00:00.000Z']) {
      const v = notYetEffectiveViolation(mpa, new Date(at));
      expect(v?.code).toBe('AGREEMENT_NOT_YET_EFFECTIVE');
      expect(v?.message).toBe('The MPA version 2020-02-01 takes effect on 2020-02-01.');
      expect(v?.remedies).toEqual(['Accept it on or after 2020-02-01.']);
    }
  });

  it('accepts at the very instant it takes effect', () => {
    expect(notYetEffectiveViolation(mpa, new Date('2020-02-01T00:00:00.000Z'))).toBeUndefined();
  });

  it('accepts afterwards', () => {
    expect(notYetEffectiveViolation(mpa, new Date('2020-02-01T00:00:00.001Z'))).toBeUndefined();
    expect(notYetEffectiveViolation(mpa, AFTER)).toBeUndefined();
  });

  it('applies to the customer agreement too', () => {
    expect(notYetEffectiveViolation(program.agreements.customer, BEFORE)?.code).toBe(
      'AGREEMENT_NOT_YET_EFFECTIVE',
    );
    expect(notYetEffectiveViolation(program.agreements.customer, AFTER)).toBeUndefined();
  });
});

describe('partnerAgreementViolation', () => {
  it('without an acceptance: MPA_NOT_SIGNED, with a remedy naming the tenant and the region', () => {
    const v = partnerAgreementViolation(program, undefined, 'europe', TENANT, AFTER);
    expect(v).toMatchObject({ code: 'MPA_NOT_SIGNED', scenario: 'mpa' });
    expect(v?.message).toBe('The MPA is not signed for region europe.');
    expect(v?.remedies).toEqual([
      `A global admin of tenant ${TENANT} signs the MPA (version 2020-02-01) for region europe.`,
    ]);
  });

  it('with an earlier version: MPA_VERSION_OUTDATED', () => {
    const v = partnerAgreementViolation(program, acceptance('2019-01-01'), 'europe', TENANT, AFTER);
    expect(v).toMatchObject({ code: 'MPA_VERSION_OUTDATED', scenario: 'mpa' });
    expect(v?.message).toContain('2019-01-01');
    expect(v?.remedies).toEqual([
      `A global admin of tenant ${TENANT} signs the MPA (version 2020-02-01) for region europe.`,
    ]);
  });

  it('with the current version: in force', () => {
    expect(
      partnerAgreementViolation(program, acceptance(mpa.version), 'europe', TENANT, AFTER),
    ).toBeUndefined();
  });

  it('before the effective date, with enforceMpaFromEffectiveDate: not required yet', () => {
    const p = withPolicy(true);
    expect(partnerAgreementViolation(p, undefined, 'europe', TENANT, BEFORE)).toBeUndefined();
    expect(
      partnerAgreementViolation(p, undefined, 'europe', TENANT, new Date('2020-01-31T23:59:59.999Z')),
    ).toBeUndefined();
    // From the effective date on, it is.
    expect(
      partnerAgreementViolation(p, undefined, 'europe', TENANT, new Date('2020-02-01T00:00:00.000Z'))?.code,
    ).toBe('MPA_NOT_SIGNED');
  });

  it('before the effective date, without enforceMpaFromEffectiveDate: MPA_NOT_SIGNED all the same', () => {
    const p = withPolicy(false);
    expect(p.policies.enforceMpaFromEffectiveDate).toBe(false);
    expect(partnerAgreementViolation(p, undefined, 'europe', TENANT, BEFORE)?.code).toBe('MPA_NOT_SIGNED');
    expect(partnerAgreementViolation(p, acceptance('2019-01-01'), 'europe', TENANT, BEFORE)?.code).toBe(
      'MPA_VERSION_OUTDATED',
    );
    expect(partnerAgreementViolation(p, acceptance(mpa.version), 'europe', TENANT, BEFORE)).toBeUndefined();
  });

  it('does not alter the shared default program when building a variant', () => {
    withPolicy(false);
    expect(defaultProgram().policies.enforceMpaFromEffectiveDate).toBe(true);
  });
});
