/**
 * Explain: evaluate decisions without writing anything. Every command can also be dry-run
 * (`OpenCsp.execute(…, { dryRun: true })`); these queries answer the questions a partner asks
 * before acting — "may this order line go through?", "what may I do with this customer or
 * reseller, and if not, why?" — with the same decision functions the commands use.
 */
import { defineQuery } from '../app/command.ts';
import type { QueryContext } from '../app/context.ts';
import { findActiveRelationship } from '../customers/store.ts';
import { accept, type Outcome, refuse, violation } from '../kernel/outcome.ts';
import { isOperator } from '../kernel/principal.ts';
import { Fields } from '../kernel/validate.ts';
import { getLocation, principalOrganizationId } from '../parties/service.ts';
import {
  type Decision,
  decideCustomerRelationship,
  decideEndPartnership,
  decideInvitePartnership,
  decideOrderLine,
  decideSetPartnerOfRecord,
  sellingRole,
} from '../rules/decisions.ts';
import type { CustomerFacts, PartnerFacts } from '../rules/facts.ts';
import {
  hasCustomerRelationship,
  isResellerOf,
  isResellersCustomer,
  loadCustomerFacts,
  loadPartnerFacts,
  partnershipState,
} from './facts.ts';

/** Loads the facts of one order line and decides it. */
export async function orderLineDecision(
  ctx: QueryContext,
  seller: PartnerFacts,
  customer: CustomerFacts,
  partnerOfRecord: PartnerFacts | undefined,
): Promise<Decision> {
  return decideOrderLine(
    ctx.program,
    {
      seller,
      customer,
      partnerOfRecord,
      sellerHasCustomerRelationship: await hasCustomerRelationship(ctx, seller.tenantId, customer.tenantId),
      partnerOfRecordHasCustomerRelationship: partnerOfRecord
        ? await hasCustomerRelationship(ctx, partnerOfRecord.tenantId, customer.tenantId)
        : false,
      partnership: partnerOfRecord
        ? await partnershipState(ctx, seller.tenantId, partnerOfRecord.tenantId)
        : 'none',
      customerIsResellersCustomer: await isResellersCustomer(ctx, seller.tenantId, customer.tenantId),
      customerIsResellerOfSeller: await isResellerOf(ctx, customer.tenantId, seller.tenantId),
    },
    ctx.now,
  );
}

/** Only the parties involved (and the operator) may ask about them. */
async function involved(ctx: QueryContext, ...orgIds: (string | undefined)[]): Promise<boolean> {
  if (isOperator(ctx.principal)) return true;
  const mine = await principalOrganizationId(ctx);
  return mine !== undefined && orgIds.includes(mine);
}

const tenantNotFound = (field: string, id: string) =>
  violation('TENANT_NOT_FOUND', `No tenant ${id}.`, { field });

/**
 * Would this order line go through? `sellerTenantId` places it (a direct-bill partner or an
 * indirect provider) for `customerTenantId`, optionally naming `partnerIdOnRecord`.
 */
export const explainOrderLine = defineQuery({
  name: 'decisions.explain-order-line',
  parse(input) {
    const f = new Fields(input);
    const sellerTenantId = f.guid('sellerTenantId');
    const customerTenantId = f.guid('customerTenantId');
    const partnerIdOnRecord = f.integer('partnerIdOnRecord', { min: 1, optional: true });
    return f.finish(() => ({ sellerTenantId, customerTenantId, partnerIdOnRecord }));
  },
  async run(ctx, input): Promise<Outcome<Decision>> {
    const seller = await loadPartnerFacts(ctx, input.sellerTenantId);
    const customer = await loadCustomerFacts(ctx, input.customerTenantId);
    let partnerOfRecord: PartnerFacts | undefined;
    if (input.partnerIdOnRecord !== undefined) {
      const location = await getLocation(ctx.tx, input.partnerIdOnRecord);
      partnerOfRecord = location?.tenantId ? await loadPartnerFacts(ctx, location.tenantId) : undefined;
    }
    // The partner of record may ask only when it is really in the chain: partnered with the seller
    // or serving the customer. Otherwise naming one's own Partner ID would reveal others' business.
    const porInChain =
      seller !== undefined &&
      customer !== undefined &&
      partnerOfRecord !== undefined &&
      ((await partnershipState(ctx, seller.tenantId, partnerOfRecord.tenantId)) !== 'none' ||
        (await hasCustomerRelationship(ctx, partnerOfRecord.tenantId, customer.tenantId)));
    const askers = [
      seller?.organizationId,
      customer?.organizationId,
      porInChain ? partnerOfRecord?.organizationId : undefined,
    ];
    if (!seller || !(await involved(ctx, ...askers)))
      return refuse(tenantNotFound('sellerTenantId', input.sellerTenantId));
    if (!customer) return refuse(tenantNotFound('customerTenantId', input.customerTenantId));
    if (input.partnerIdOnRecord !== undefined && !partnerOfRecord) {
      return refuse(
        violation('PARTNER_ID_NOT_FOUND', `No CSP tenant has Partner ID ${input.partnerIdOnRecord}.`, {
          field: 'partnerIdOnRecord',
        }),
      );
    }
    return accept(await orderLineDecision(ctx, seller, customer, partnerOfRecord));
  },
});

export interface ActionExplanation extends Decision {
  /** e.g. `invite-customer`, `place-order`, `invite-partnership`, `end-partnership`, `set-partner-of-record`. */
  readonly action: string;
}

/**
 * What may this partner do with this customer and/or this reseller — every action with its
 * decision, and for each refused one, every reason and remedy.
 */
export const explainPartnerActions = defineQuery({
  name: 'decisions.explain-partner-actions',
  parse(input) {
    const f = new Fields(input);
    const partnerTenantId = f.guid('partnerTenantId');
    const customerTenantId = f.guid('customerTenantId', { optional: true });
    const resellerTenantId = f.guid('resellerTenantId', { optional: true });
    if (customerTenantId === undefined && resellerTenantId === undefined) {
      f.fail('REQUIRED_FIELD', 'customerTenantId', 'or resellerTenantId is required');
    }
    return f.finish(() => ({ partnerTenantId, customerTenantId, resellerTenantId }));
  },
  async run(ctx, input): Promise<Outcome<{ actions: ActionExplanation[] }>> {
    const partner = await loadPartnerFacts(ctx, input.partnerTenantId);
    if (!partner || !(await involved(ctx, partner.organizationId))) {
      return refuse(tenantNotFound('partnerTenantId', input.partnerTenantId));
    }
    const customer = input.customerTenantId
      ? await loadCustomerFacts(ctx, input.customerTenantId)
      : undefined;
    if (input.customerTenantId && !customer)
      return refuse(tenantNotFound('customerTenantId', input.customerTenantId));
    const reseller = input.resellerTenantId ? await loadPartnerFacts(ctx, input.resellerTenantId) : undefined;
    if (input.resellerTenantId && !reseller)
      return refuse(tenantNotFound('resellerTenantId', input.resellerTenantId));

    const actions: ActionExplanation[] = [];
    const isProvider = sellingRole(partner) === 'indirect-provider';
    if (customer) {
      // A provider serves a customer through a reseller: the one named, or the one its relationship is associated with.
      const existing = await findActiveRelationship(ctx.tx, partner.tenantId, customer.tenantId);
      const viaTenant = reseller?.tenantId ?? existing?.associatedPartnerTenantId ?? undefined;
      const via = isProvider && viaTenant ? await loadPartnerFacts(ctx, viaTenant) : undefined;
      actions.push({
        action: 'invite-customer',
        ...decideCustomerRelationship(
          ctx.program,
          {
            partner,
            customer,
            viaReseller: via,
            partnershipWithReseller: via
              ? await partnershipState(ctx, partner.tenantId, via.tenantId)
              : 'none',
            existingRelationship: existing !== undefined,
            customerIsResellerOfPartner: await isResellerOf(ctx, customer.tenantId, partner.tenantId),
            // Offered to the customer when it accepts the invitation.
            customerAgreementAccepted: true,
          },
          ctx.now,
        ),
      });
      actions.push({ action: 'place-order', ...(await orderLineDecision(ctx, partner, customer, via)) });
      if (isProvider && via) {
        actions.push({
          action: 'set-partner-of-record',
          ...decideSetPartnerOfRecord(
            ctx.program,
            {
              actor: ctx.principal,
              provider: partner,
              customer,
              partnerOfRecord: via,
              partnership: await partnershipState(ctx, partner.tenantId, via.tenantId),
              partnerOfRecordHasCustomerRelationship: await hasCustomerRelationship(
                ctx,
                via.tenantId,
                customer.tenantId,
              ),
            },
            ctx.now,
          ),
        });
      }
    }
    if (reseller) {
      const state = await partnershipState(ctx, partner.tenantId, reseller.tenantId);
      const resellerIsCustomerOfProvider = await hasCustomerRelationship(
        ctx,
        partner.tenantId,
        reseller.tenantId,
      );
      actions.push({
        action: 'invite-partnership',
        ...decideInvitePartnership(
          ctx.program,
          {
            actor: ctx.principal,
            provider: partner,
            reseller,
            existing: state,
            resellerIsCustomerOfProvider,
          },
          ctx.now,
        ),
      });
      actions.push({
        action: 'end-partnership',
        ...decideEndPartnership(ctx.program, {
          actor: ctx.principal,
          provider: partner,
          state,
          viaSupportRequest: false,
        }),
      });
    }
    return accept({ actions });
  },
});
