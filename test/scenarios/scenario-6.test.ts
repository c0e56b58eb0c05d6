/**
 * Seed, sample scenario 6: "What if an indirect reseller wants to purchase as an end-customer? …
 * the indirect reseller's organization may have already established an indirect provider-indirect
 * reseller relationship. Doing so prevents the partner from establishing any new relationship type
 * as an end-customer with the same indirect provider. In this case, the indirect reseller can use one
 * of the following options: Option 1: … set up another Azure AD tenant that is a separate environment
 * … Option 2: … end the relationship with one indirect provider and establish a new CSP relationship
 * with another indirect provider … (To end the relationship … contact Microsoft Support.) Option 3:
 * … keep their customer relationship with the existing indirect provider and establish another
 * indirect reseller relationship with another indirect provider."
 */
import { beforeEach, expect, it } from 'vitest';
import { acceptCustomerAgreement } from '../../src/agreements/service.ts';
import type { OpenCsp } from '../../src/app/opencsp.ts';
import { acceptCustomerInvitation, inviteCustomer } from '../../src/customers/service.ts';
import { explainPartnerActions } from '../../src/decisions/service.ts';
import type { Outcome } from '../../src/kernel/outcome.ts';
import { createCustomerTenant } from '../../src/parties/service.ts';
import { endPartnership, openSupportRequest, resolveSupportRequest } from '../../src/partnerships/service.ts';
import {
  addPartner,
  bootstrap,
  connectReseller,
  must,
  type Operator,
  type Partner,
  userPrincipal,
} from '../../src/world/builder.ts';
import { describeEachDatabase } from '../support/databases.ts';

const codes = (o: Outcome<unknown>) => (o.ok ? [] : o.violations.map((v) => v.code));

describeEachDatabase('scenario 6: an indirect reseller buying as an end customer', (db) => {
  let csp: OpenCsp;
  let operator: Operator;
  let provider: Partner;
  let reseller: Partner;
  let otherReseller: Partner;
  let partnershipId: string;

  beforeEach(async () => {
    csp = await db.fresh();
    operator = await bootstrap(csp);
    provider = await addPartner(csp, operator, {
      legalName: 'Distributor',
      country: 'FR',
      role: 'indirect-provider',
    });
    reseller = await addPartner(csp, operator, {
      legalName: 'Reseller Wants Licenses',
      country: 'FR',
      role: 'indirect-reseller',
    });
    otherReseller = await addPartner(csp, operator, {
      legalName: 'Other Reseller',
      country: 'FR',
      role: 'indirect-reseller',
    });
    partnershipId = await connectReseller(csp, provider, reseller);
    await connectReseller(csp, provider, otherReseller);
  });

  /** Another reseller of the same provider invites a tenant as customer, authorizing the provider too. */
  const inviteThroughProvider = (customerTenantId: string) =>
    csp.execute(
      inviteCustomer,
      { principal: otherReseller.globalAdmin },
      {
        partnerTenantId: otherReseller.tenantId,
        customerTenantId,
        requestDelegatedAdmin: false,
        alsoAuthorizeProviderTenantId: provider.tenantId,
      },
    );

  it("refused: the reseller's tenant becoming an end customer of its own provider, with the three options as remedies", async () => {
    const refused = await inviteThroughProvider(reseller.tenantId);
    expect(codes(refused)).toContain('RELATIONSHIP_TYPE_CONFLICT');
    expect(codes(refused)).toContain('PARTNER_TENANT_NOT_CUSTOMER_TYPE');
    const conflict = refused.ok
      ? undefined
      : refused.violations.find((v) => v.code === 'RELATIONSHIP_TYPE_CONFLICT');
    expect(conflict?.scenario).toBe('6');
    expect(conflict?.remedies.map((r) => r.slice(0, 8))).toEqual(['Option 1', 'Option 2', 'Option 3']);
    // The explain query says the same before anyone tries.
    const actions = must(
      await csp.query(
        explainPartnerActions,
        { principal: operator.principal },
        {
          partnerTenantId: provider.tenantId,
          customerTenantId: reseller.tenantId,
          resellerTenantId: otherReseller.tenantId,
        },
      ),
    );
    const invite = actions.actions.find((a) => a.action === 'invite-customer');
    expect(invite?.violations.map((v) => v.code)).toContain('RELATIONSHIP_TYPE_CONFLICT');
  });

  it('option 1: a separate, customer-type tenant of the reseller’s organization may buy from the same provider', async () => {
    const own = must(
      await csp.execute(
        createCustomerTenant,
        { principal: reseller.globalAdmin },
        {
          organizationId: reseller.organizationId,
          country: 'FR',
          tenant: { domain: 'reseller-internal.onmicrosoft.example' },
          globalAdmin: { email: 'it@reseller.example', displayName: 'IT' },
        },
      ),
    );
    const ownAdmin = userPrincipal(own.globalAdminUserId, own.tenantId, ['global-admin']);
    must(
      await csp.execute(
        acceptCustomerAgreement,
        { principal: ownAdmin },
        { tenantId: own.tenantId, signer: { name: 'IT', email: 'it@reseller.example' } },
      ),
    );
    const invitation = must(await inviteThroughProvider(own.tenantId));
    const accepted = must(
      await csp.execute(
        acceptCustomerInvitation,
        { principal: ownAdmin },
        { token: invitation.token, customerTenantId: own.tenantId },
      ),
    );
    expect(accepted.relationships.map((r) => r.partnerTenantId).sort()).toEqual(
      [otherReseller.tenantId, provider.tenantId].sort(),
    );
  });

  it('option 2: the partnership is ended through support (not directly), which lifts the conflict', async () => {
    expect(
      codes(await csp.execute(endPartnership, { principal: provider.globalAdmin }, { partnershipId })),
    ).toEqual(['TERMINATION_REQUIRES_SUPPORT']);
    const request = must(
      await csp.execute(
        openSupportRequest,
        { principal: reseller.globalAdmin },
        { partnershipId, description: 'We move to another provider.' },
      ),
    );
    must(
      await csp.execute(
        resolveSupportRequest,
        { principal: operator.principal },
        {
          supportRequestId: request.id,
          outcome: 'resolved',
          resolution: 'Partnership ended.',
        },
      ),
    );
    const after = await inviteThroughProvider(reseller.tenantId);
    expect(codes(after)).not.toContain('RELATIONSHIP_TYPE_CONFLICT');
    // Still a CSP tenant: scenario 4 applies until it buys into a customer-type tenant.
    expect(codes(after)).toContain('PARTNER_TENANT_NOT_CUSTOMER_TYPE');
  });

  it('option 3: staying this provider’s customer and becoming the reseller of another provider is allowed', async () => {
    const own = must(
      await csp.execute(
        createCustomerTenant,
        { principal: otherReseller.globalAdmin },
        {
          organizationId: otherReseller.organizationId,
          country: 'FR',
          tenant: { domain: 'other-internal.onmicrosoft.example' },
          globalAdmin: { email: 'it@other.example', displayName: 'IT' },
        },
      ),
    );
    const ownAdmin = userPrincipal(own.globalAdminUserId, own.tenantId, ['global-admin']);
    const secondProvider = await addPartner(csp, operator, {
      legalName: 'Second Distributor',
      country: 'DE',
      role: 'indirect-provider',
    });
    // The own-use tenant is the first provider's customer (through Reseller Wants Licenses)…
    const inv = must(
      await csp.execute(
        inviteCustomer,
        { principal: reseller.globalAdmin },
        {
          partnerTenantId: reseller.tenantId,
          customerTenantId: own.tenantId,
          requestDelegatedAdmin: false,
          alsoAuthorizeProviderTenantId: provider.tenantId,
        },
      ),
    );
    must(
      await csp.execute(
        acceptCustomerInvitation,
        { principal: ownAdmin },
        {
          token: inv.token,
          customerTenantId: own.tenantId,
          customerAgreement: { signerName: 'IT', signerEmail: 'it@other.example' },
        },
      ),
    );
    // …and the organization's CSP tenant becomes the reseller of another provider.
    await connectReseller(csp, secondProvider, otherReseller);
  });
});
