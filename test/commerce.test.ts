/**
 * Commerce end to end through the services, on both databases: both supported chains from order
 * to cancellation, the refusals with their exact codes, idempotent retries, reseller order
 * requests, a change of partner of record, the support contact, and visibility from each side.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  approveAdminRelationship,
  createAdminRelationship,
  requestAdminApproval,
} from '../src/admin-access/service.ts';
import { OpenCsp } from '../src/app/opencsp.ts';
import { removeCustomerRelationship } from '../src/customers/service.ts';
import { seededIds } from '../src/kernel/ids.ts';
import type { Principal } from '../src/kernel/principal.ts';
import { addDays } from '../src/kernel/time.ts';
import type { Order } from '../src/orders/model.ts';
import {
  approveOrder,
  cancelOrder,
  getOrder,
  listOrders,
  placeOrder,
  requestOrder,
} from '../src/orders/service.ts';
import { addUser } from '../src/parties/service.ts';
import { suspendPartnership } from '../src/partnerships/service.ts';
import { advanceWorldClock } from '../src/subscriptions/clock.ts';
import { processDue } from '../src/subscriptions/due.ts';
import type { Subscription } from '../src/subscriptions/model.ts';
import {
  cancelSubscription,
  changePartnerOfRecord,
  changeQuantity,
  getSubscription,
  listSubscriptions,
  reactivateSubscription,
  setAutoRenew,
  setSupportContact,
  suspendSubscription,
} from '../src/subscriptions/service.ts';
import { addPartner, connectCustomer, must, userPrincipal } from '../src/world/builder.ts';
import { buildCommerceWorld, type CommerceWorld, SEATS, THIRD_PARTY_US, USAGE } from './support/commerce.ts';
import { describeEachDatabase, T0 } from './support/databases.ts';
import { codes, ledgerOf, refusal, snapshot } from './support/snapshot.ts';

const seats = (quantity: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  catalogItemId: SEATS,
  quantity,
  termDuration: 'P1Y',
  billingCycle: 'monthly',
  ...extra,
});

describeEachDatabase('commerce', (db) => {
  let csp: OpenCsp;
  let w: CommerceWorld;
  const at = (days: number) => ({ now: addDays(T0, days) });

  beforeEach(async () => {
    csp = await db.fresh();
    w = await buildCommerceWorld(csp);
  });

  async function indirectOrder(
    lines = [seats(10, { partnerIdOnRecord: w.reseller.partnerId })],
  ): Promise<Order> {
    return must(
      await csp.execute(
        placeOrder,
        { principal: w.provider.globalAdmin },
        { sellerTenantId: w.provider.tenantId, customerTenantId: w.resellerCustomer.tenantId, lines },
      ),
    );
  }

  async function sub(id: string, principal: Principal = w.operator.principal): Promise<Subscription> {
    return must(await csp.query(getSubscription, { principal }, { subscriptionId: id }));
  }

  describe('the indirect chain: vendor → provider → reseller → customer', () => {
    it('an order completes with one subscription per line, the sales chain and the partner of record', async () => {
      const order = await indirectOrder([
        seats(10, { partnerIdOnRecord: w.reseller.partnerId }),
        {
          catalogItemId: USAGE,
          quantity: 1,
          billingCycle: 'monthly',
          partnerIdOnRecord: w.reseller.partnerId,
        },
      ]);
      expect(order.status).toBe('completed');
      expect(order.currency).toBe('EUR');
      expect(order.totalMinor).toBe(10 * 560);
      expect(order.lines.map((l) => l.salesChain.map((p) => p.role))).toEqual([
        ['vendor', 'indirect-provider', 'indirect-reseller', 'customer'],
        ['vendor', 'indirect-provider', 'indirect-reseller', 'customer'],
      ]);
      const [first, second] = order.lines;
      const s = await sub(first?.subscriptionId as string);
      expect(s).toMatchObject({
        status: 'active',
        quantity: 10,
        partnerId: w.reseller.partnerId,
        partnerTenantId: w.reseller.tenantId,
        termDuration: 'P1Y',
        unitPriceMinor: 560,
        currency: 'EUR',
        autoRenew: true,
        orderId: order.id,
        startAt: T0.toISOString(),
        termEndAt: '2027-01-15T10:00:00.000Z',
        cancellationWindowEndsAt: addDays(T0, 7).toISOString(),
      });
      const usage = await sub(second?.subscriptionId as string);
      expect(usage).toMatchObject({ billing: 'usage', termEndAt: null, autoRenew: false });
      const events = await ledgerOf(csp, w.provider.globalAdmin, 'order', order.id);
      expect(events.map((e) => e.type)).toEqual(['order.placed']);
      expect((await ledgerOf(csp, w.reseller.globalAdmin, 'subscription', s.id)).map((e) => e.type)).toEqual([
        'subscription.created',
      ]);
    });

    it('walks quantity change → suspend → reactivate → renew → cancel', async () => {
      const order = await indirectOrder();
      const id = order.lines[0]?.subscriptionId as string;
      const admin = { principal: w.provider.globalAdmin };
      expect(
        must(await csp.execute(changeQuantity, admin, { subscriptionId: id, quantity: 15 })).quantity,
      ).toBe(15);
      // Seats come off inside the window, not after it.
      expect(
        must(await csp.execute(changeQuantity, { ...admin, ...at(6) }, { subscriptionId: id, quantity: 12 }))
          .quantity,
      ).toBe(12);
      expect(
        refusal(
          await csp.execute(changeQuantity, { ...admin, ...at(8) }, { subscriptionId: id, quantity: 11 }),
        ),
      ).toEqual([{ code: 'CANCELLATION_WINDOW_CLOSED', field: 'subscriptionId' }]);
      expect(
        must(await csp.execute(changeQuantity, { ...admin, ...at(8) }, { subscriptionId: id, quantity: 20 }))
          .quantity,
      ).toBe(20);
      expect(
        codes(await csp.execute(cancelSubscription, { ...admin, ...at(8) }, { subscriptionId: id })),
      ).toEqual(['CANCELLATION_WINDOW_CLOSED']);
      expect(
        must(await csp.execute(suspendSubscription, { ...admin, ...at(30) }, { subscriptionId: id })).status,
      ).toBe('suspended');
      expect(
        codes(
          await csp.execute(changeQuantity, { ...admin, ...at(31) }, { subscriptionId: id, quantity: 25 }),
        ),
      ).toEqual(['INVALID_TRANSITION']);
      expect(
        codes(await csp.execute(suspendSubscription, { ...admin, ...at(31) }, { subscriptionId: id })),
      ).toEqual(['INVALID_TRANSITION']);
      expect(
        must(await csp.execute(reactivateSubscription, { ...admin, ...at(40) }, { subscriptionId: id }))
          .status,
      ).toBe('active');
      // Term end: the clock renews it for another year and opens a new cancellation window.
      const due = must(await csp.execute(processDue, { principal: w.operator.principal, ...at(366) }, {}));
      expect(due).toEqual({ renewed: 1, expired: 0, disabled: 0, more: false });
      const renewed = await sub(id);
      expect(renewed).toMatchObject({
        status: 'active',
        termStartAt: '2027-01-15T10:00:00.000Z',
        termEndAt: '2028-01-15T10:00:00.000Z',
        cancellationWindowEndsAt: '2027-01-22T10:00:00.000Z',
        quantity: 20,
      });
      expect(
        must(await csp.execute(cancelSubscription, { ...admin, ...at(368) }, { subscriptionId: id })).status,
      ).toBe('cancelled');
      expect(
        codes(await csp.execute(reactivateSubscription, { ...admin, ...at(369) }, { subscriptionId: id })),
      ).toEqual(['INVALID_TRANSITION']);
      const types = (await ledgerOf(csp, w.provider.globalAdmin, 'subscription', id)).map((e) => e.type);
      expect(types).toEqual([
        'subscription.created',
        'subscription.quantity-changed',
        'subscription.quantity-changed',
        'subscription.quantity-changed',
        'subscription.suspended',
        'subscription.reactivated',
        'subscription.renewed',
        'subscription.cancelled',
      ]);
    });

    it('at term end: without auto-renew it expires; still suspended it is disabled', async () => {
      const order = await indirectOrder([
        seats(1, { partnerIdOnRecord: w.reseller.partnerId }),
        seats(2, { partnerIdOnRecord: w.reseller.partnerId }),
        seats(3, { partnerIdOnRecord: w.reseller.partnerId, termDuration: 'P1M' }),
      ]);
      const [a, b, c] = order.lines.map((l) => l.subscriptionId as string) as [string, string, string];
      const admin = { principal: w.provider.globalAdmin };
      must(await csp.execute(setAutoRenew, admin, { subscriptionId: a, autoRenew: false }));
      must(await csp.execute(suspendSubscription, admin, { subscriptionId: b }));
      // A far jump: the monthly one renews once per month it skipped.
      const moved = must(
        await advanceWorldClock(csp, { principal: w.operator.principal, now: T0 }, { days: 400 }),
      );
      expect(moved.processed).toEqual({ renewed: 1, expired: 1, disabled: 1 });
      // The offset is kept in the database: a restarted runtime over the same store keeps the world's time.
      const restarted = new OpenCsp(csp.store, csp.program, seededIds(1), () => T0);
      expect(await restarted.loadClockOffset()).toBe(400 * 86_400_000);
      expect(restarted.now().toISOString()).toBe(addDays(T0, 400).toISOString());
      expect(csp.now().getTime() - Date.now()).toBeGreaterThan(-1);
      expect((await sub(a)).status).toBe('expired');
      expect((await sub(b)).status).toBe('disabled');
      const monthly = await sub(c);
      expect(monthly.status).toBe('active');
      expect(new Date(monthly.termEndAt as string).getTime()).toBeGreaterThan(addDays(T0, 400).getTime());
      const renewals = (await ledgerOf(csp, w.provider.globalAdmin, 'subscription', c)).filter(
        (e) => e.type === 'subscription.renewed',
      );
      expect(renewals).toHaveLength(13);
    });
  });

  describe('the direct-bill chain: vendor → direct-bill partner → customer', () => {
    it('orders, changes, suspends, reactivates and cancels', async () => {
      const order = must(
        await csp.execute(
          placeOrder,
          { principal: w.direct.globalAdmin },
          {
            sellerTenantId: w.direct.tenantId,
            customerTenantId: w.directCustomer.tenantId,
            currency: 'EUR',
            lines: [seats(5, { billingCycle: 'annual' })],
          },
        ),
      );
      expect(order.lines[0]?.salesChain.map((p) => p.role)).toEqual(['vendor', 'direct-bill', 'customer']);
      expect(order.totalMinor).toBe(5 * 6720);
      const id = order.lines[0]?.subscriptionId as string;
      const admin = { principal: w.direct.globalAdmin };
      must(await csp.execute(changeQuantity, admin, { subscriptionId: id, quantity: 6 }));
      must(await csp.execute(suspendSubscription, admin, { subscriptionId: id }));
      must(await csp.execute(reactivateSubscription, admin, { subscriptionId: id }));
      expect((await sub(id)).partnerId).toBeNull();
      expect(
        must(await csp.execute(cancelSubscription, { ...admin, ...at(7) }, { subscriptionId: id })).status,
      ).toBe('cancelled');
    });
  });

  describe('refusals: every violation of every line, nothing written', () => {
    it('a multi-line order reports each line’s problems and writes nothing', async () => {
      const before = await snapshot(csp.store);
      const out = await csp.execute(
        placeOrder,
        { principal: w.provider.globalAdmin },
        {
          sellerTenantId: w.provider.tenantId,
          customerTenantId: w.resellerCustomer.tenantId,
          currency: 'USD',
          lines: [
            seats(500, { partnerIdOnRecord: w.reseller.partnerId }),
            {
              catalogItemId: THIRD_PARTY_US,
              quantity: 1,
              termDuration: 'P1Y',
              billingCycle: 'annual',
              partnerIdOnRecord: w.reseller.partnerId,
            },
            seats(1, { partnerIdOnRecord: w.reseller.partnerId, termDuration: 'P3Y' }),
            {
              catalogItemId: 'NOPE:0001',
              quantity: 1,
              billingCycle: 'monthly',
              partnerIdOnRecord: w.reseller.partnerId,
            },
            seats(1),
          ],
        },
      );
      expect(refusal(out)).toEqual([
        { code: 'CURRENCY_MISMATCH', field: 'currency' },
        { code: 'QUANTITY_OUT_OF_RANGE', field: 'lines[0].quantity' },
        { code: 'OFFER_NOT_AVAILABLE_IN_MARKET', field: 'lines[1].catalogItemId' },
        { code: 'TERM_NOT_OFFERED', field: 'lines[2].termDuration' },
        { code: 'OFFER_NOT_FOUND', field: 'lines[3].catalogItemId' },
        { code: 'PARTNER_ID_ON_RECORD_REQUIRED', field: 'lines[4]' },
      ]);
      expect(await snapshot(csp.store)).toEqual(before);
    });

    it('scenario 1: the reseller cannot buy from the vendor; the provider’s own Partner ID is never partner of record', async () => {
      const asReseller = await csp.execute(
        placeOrder,
        { principal: w.reseller.globalAdmin },
        {
          sellerTenantId: w.reseller.tenantId,
          customerTenantId: w.resellerCustomer.tenantId,
          lines: [seats(1)],
        },
      );
      expect(codes(asReseller)).toContain('UNSUPPORTED_CHAIN');
      const own = await csp.execute(
        placeOrder,
        { principal: w.provider.globalAdmin },
        {
          sellerTenantId: w.provider.tenantId,
          customerTenantId: w.resellerCustomer.tenantId,
          lines: [seats(1, { partnerIdOnRecord: w.provider.partnerId })],
        },
      );
      expect(codes(own)).toEqual(['UNSUPPORTED_CHAIN']);
      const direct = await csp.execute(
        placeOrder,
        { principal: w.direct.globalAdmin },
        {
          sellerTenantId: w.direct.tenantId,
          customerTenantId: w.directCustomer.tenantId,
          lines: [seats(1, { partnerIdOnRecord: w.reseller.partnerId })],
        },
      );
      expect(codes(direct)).toEqual(['UNSUPPORTED_CHAIN']);
    });

    it('the reseller of record must have signed the MPA and be in an active partnership', async () => {
      const unsigned = await addPartner(csp, w.operator, {
        legalName: 'Reseller FR 3',
        country: 'FR',
        role: 'indirect-reseller',
        until: 'qualified',
      });
      await connectCustomer(csp, unsigned, w.resellerCustomer).catch(() => undefined);
      const out = await csp.execute(
        placeOrder,
        { principal: w.provider.globalAdmin },
        {
          sellerTenantId: w.provider.tenantId,
          customerTenantId: w.resellerCustomer.tenantId,
          lines: [seats(1, { partnerIdOnRecord: unsigned.partnerId })],
        },
      );
      expect(codes(out)).toEqual(
        expect.arrayContaining(['RESELLER_MPA_NOT_SIGNED', 'NO_ACTIVE_PARTNERSHIP']),
      );
      const unknown = await csp.execute(
        placeOrder,
        { principal: w.provider.globalAdmin },
        {
          sellerTenantId: w.provider.tenantId,
          customerTenantId: w.resellerCustomer.tenantId,
          lines: [seats(1, { partnerIdOnRecord: 9_999_999 })],
        },
      );
      expect(refusal(unknown)).toEqual([
        { code: 'PARTNER_ID_NOT_FOUND', field: 'lines[0].partnerIdOnRecord' },
      ]);
    });

    it('roles and tenants: a sales agent orders, a helpdesk agent may not, an outsider sees nothing', async () => {
      const body = {
        sellerTenantId: w.direct.tenantId,
        customerTenantId: w.directCustomer.tenantId,
        lines: [seats(1)],
      };
      const agent = must(
        await csp.execute(
          addUser,
          { principal: w.direct.globalAdmin },
          {
            tenantId: w.direct.tenantId,
            email: 'sales@direct.example',
            displayName: 'Sales',
            roles: ['sales-agent'],
          },
        ),
      ) as { id: string };
      const helpdesk = must(
        await csp.execute(
          addUser,
          { principal: w.direct.globalAdmin },
          {
            tenantId: w.direct.tenantId,
            email: 'help@direct.example',
            displayName: 'Help',
            roles: ['helpdesk-agent'],
          },
        ),
      ) as { id: string };
      const sales = userPrincipal(agent.id as never, w.direct.tenantId, ['sales-agent']);
      const help = userPrincipal(helpdesk.id as never, w.direct.tenantId, ['helpdesk-agent']);
      expect(codes(await csp.execute(placeOrder, { principal: sales }, body))).toEqual(['ACCEPTED']);
      expect(codes(await csp.execute(placeOrder, { principal: help }, body))).toEqual(['NOT_AUTHORIZED']);
      expect(refusal(await csp.execute(placeOrder, { principal: w.provider.globalAdmin }, body))).toEqual([
        { code: 'TENANT_NOT_FOUND', field: 'sellerTenantId' },
      ]);
      // A seller that never dealt with the customer is told it does not exist.
      expect(
        refusal(
          await csp.execute(
            placeOrder,
            { principal: w.direct.globalAdmin },
            { ...body, customerTenantId: w.usCustomer.tenantId },
          ),
        ),
      ).toEqual([{ code: 'TENANT_NOT_FOUND', field: 'customerTenantId' }]);
    });
  });

  describe('idempotent retries', () => {
    it('the same key and body return the original order; another body is a conflict', async () => {
      const body = {
        sellerTenantId: w.direct.tenantId,
        customerTenantId: w.directCustomer.tenantId,
        lines: [seats(3)],
      };
      const key = { scope: 'direct-admin', key: 'order-1' };
      const first = must(
        await csp.execute(placeOrder, { principal: w.direct.globalAdmin }, body, { idempotencyKey: key }),
      );
      const again = must(
        await csp.execute(placeOrder, { principal: w.direct.globalAdmin, ...at(1) }, body, {
          idempotencyKey: key,
        }),
      );
      expect(again).toEqual(first);
      const list = must(await csp.query(listOrders, { principal: w.direct.globalAdmin }, {}));
      expect(list.items).toHaveLength(1);
      const other = await csp.execute(
        placeOrder,
        { principal: w.direct.globalAdmin },
        { ...body, lines: [seats(4)] },
        { idempotencyKey: key },
      );
      expect(codes(other)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    });
  });

  describe('concurrent retries', () => {
    it('five simultaneous sends with one Idempotency-Key place one order and all get it', async () => {
      const body = {
        sellerTenantId: w.direct.tenantId,
        customerTenantId: w.directCustomer.tenantId,
        lines: [seats(2)],
      };
      const key = { scope: 'direct-admin', key: 'burst-1' };
      const outs = await Promise.all(
        Array.from({ length: 5 }, () =>
          csp.execute(placeOrder, { principal: w.direct.globalAdmin }, body, { idempotencyKey: key }),
        ),
      );
      const ids = new Set(outs.map((o) => must(o).id));
      expect(ids.size).toBe(1);
      const orders = await csp.store.db.selectFrom('orders').select('id').execute();
      expect(orders).toHaveLength(1);
      const subscriptions = await csp.store.db.selectFrom('subscriptions').select('id').execute();
      expect(subscriptions).toHaveLength(1);
    });
  });

  describe('reseller order requests', () => {
    const request = (lines = [seats(4)]) => ({ providerTenantId: '', customerTenantId: '', lines });

    it('the reseller requests, the provider approves: completed with the reseller as partner of record', async () => {
      const body = {
        ...request(),
        providerTenantId: w.provider.tenantId,
        customerTenantId: w.resellerCustomer.tenantId,
      };
      const pending = must(await csp.execute(requestOrder, { principal: w.reseller.globalAdmin }, body));
      expect(pending).toMatchObject({ status: 'pending', requestedByTenantId: w.reseller.tenantId });
      expect(pending.lines[0]?.partnerIdOnRecord).toBe(w.reseller.partnerId);
      expect(
        codes(
          await csp.execute(approveOrder, { principal: w.reseller.globalAdmin }, { orderId: pending.id }),
        ),
      ).toEqual(['NOT_AUTHORIZED']);
      const done = must(
        await csp.execute(approveOrder, { principal: w.provider.globalAdmin }, { orderId: pending.id }),
      );
      expect(done.status).toBe('completed');
      const s = await sub(done.lines[0]?.subscriptionId as string, w.reseller.globalAdmin);
      expect(s.partnerId).toBe(w.reseller.partnerId);
      expect(
        codes(
          await csp.execute(approveOrder, { principal: w.provider.globalAdmin }, { orderId: pending.id }),
        ),
      ).toEqual(['ORDER_NOT_PENDING']);
      expect((await ledgerOf(csp, w.reseller.globalAdmin, 'order', pending.id)).map((e) => e.type)).toEqual([
        'order.requested',
        'order.approved',
      ]);
    });

    it('approval decides again: a suspended partnership fails the order, with its reasons', async () => {
      const body = {
        ...request(),
        providerTenantId: w.provider.tenantId,
        customerTenantId: w.resellerCustomer.tenantId,
      };
      const pending = must(await csp.execute(requestOrder, { principal: w.reseller.globalAdmin }, body));
      const partnershipId = (
        await csp.store.db
          .selectFrom('partnerships')
          .select('id')
          .where('reseller_tenant_id', '=', w.reseller.tenantId)
          .executeTakeFirstOrThrow()
      ).id;
      must(await csp.execute(suspendPartnership, { principal: w.provider.globalAdmin }, { partnershipId }));
      const failed = must(
        await csp.execute(approveOrder, { principal: w.provider.globalAdmin }, { orderId: pending.id }),
      );
      expect(failed.status).toBe('failed');
      expect(failed.failure?.map((v) => v.code)).toContain('NO_ACTIVE_PARTNERSHIP');
      const seen = must(
        await csp.query(getOrder, { principal: w.reseller.globalAdmin }, { orderId: pending.id }),
      );
      expect(seen.status).toBe('failed');
      expect(
        must(await csp.query(listSubscriptions, { principal: w.reseller.globalAdmin }, {})).items,
      ).toHaveLength(0);
    });

    it('the reseller withdraws or the provider rejects: cancelled; a stranger sees no order', async () => {
      const body = {
        ...request(),
        providerTenantId: w.provider.tenantId,
        customerTenantId: w.resellerCustomer.tenantId,
      };
      const pending = must(await csp.execute(requestOrder, { principal: w.reseller.globalAdmin }, body));
      expect(
        refusal(await csp.execute(cancelOrder, { principal: w.direct.globalAdmin }, { orderId: pending.id })),
      ).toEqual([{ code: 'ORDER_NOT_FOUND', field: 'orderId' }]);
      const cancelled = must(
        await csp.execute(
          cancelOrder,
          { principal: w.reseller.globalAdmin },
          { orderId: pending.id, reason: 'Customer changed its mind' },
        ),
      );
      expect(cancelled.status).toBe('cancelled');
      // Another partner's Partner ID on a request line is refused.
      const foreign = await csp.execute(
        requestOrder,
        { principal: w.reseller.globalAdmin },
        {
          ...body,
          lines: [seats(1, { partnerIdOnRecord: w.reseller2.partnerId })],
        },
      );
      expect(refusal(foreign)).toEqual([{ code: 'INVALID_FIELD', field: 'lines[0].partnerIdOnRecord' }]);
    });
  });

  describe('partner of record and support contact', () => {
    it('the provider moves the partner of record to another reseller that passes the purchase checks', async () => {
      const order = await indirectOrder();
      const id = order.lines[0]?.subscriptionId as string;
      expect(
        codes(
          await csp.execute(
            changePartnerOfRecord,
            { principal: w.reseller.globalAdmin },
            { subscriptionId: id, partnerId: w.reseller2.partnerId },
          ),
        ),
      ).toEqual(['NOT_AUTHORIZED']);
      // The direct-bill partner is no reseller of this provider.
      const wrong = await csp.execute(
        changePartnerOfRecord,
        { principal: w.provider.globalAdmin },
        {
          subscriptionId: id,
          partnerId: w.direct.partnerId,
        },
      );
      expect(codes(wrong)).toEqual(expect.arrayContaining(['NO_ACTIVE_PARTNERSHIP']));
      expect(codes(wrong)).not.toContain('ACCEPTED');
      const moved = must(
        await csp.execute(
          changePartnerOfRecord,
          { principal: w.provider.globalAdmin },
          { subscriptionId: id, partnerId: w.reseller2.partnerId },
        ),
      );
      expect(moved).toMatchObject({
        partnerId: w.reseller2.partnerId,
        partnerTenantId: w.reseller2.tenantId,
      });
      expect(moved.salesChain.map((p) => p.tenantId)).toEqual([
        moved.salesChain[0]?.tenantId,
        w.provider.tenantId,
        w.reseller2.tenantId,
        w.resellerCustomer.tenantId,
      ]);
      // The former partner of record no longer sees it; the new one does.
      expect(
        codes(
          await csp.query(getSubscription, { principal: w.reseller.globalAdmin }, { subscriptionId: id }),
        ),
      ).toEqual(['SUBSCRIPTION_NOT_FOUND']);
      expect((await sub(id, w.reseller2.globalAdmin)).partnerId).toBe(w.reseller2.partnerId);
    });

    it('the designated support contact is one of the provider’s active resellers', async () => {
      const order = await indirectOrder();
      const id = order.lines[0]?.subscriptionId as string;
      expect(
        refusal(
          await csp.execute(
            setSupportContact,
            { principal: w.provider.globalAdmin },
            { subscriptionId: id, resellerTenantId: w.direct.tenantId },
          ),
        ),
      ).toEqual([{ code: 'SUPPORT_CONTACT_NOT_ELIGIBLE', field: 'resellerTenantId' }]);
      const set = must(
        await csp.execute(
          setSupportContact,
          { principal: w.provider.globalAdmin },
          { subscriptionId: id, resellerTenantId: w.reseller2.tenantId },
        ),
      );
      expect(set.supportContactTenantId).toBe(w.reseller2.tenantId);
      expect((await sub(id, w.reseller2.globalAdmin)).id).toBe(id);
    });
  });

  describe('visibility from each side', () => {
    it('customer sees all; each partner only what it sold, is partner of record of, or manages', async () => {
      const indirect = await indirectOrder();
      await connectCustomer(csp, w.direct, w.resellerCustomer);
      const direct = must(
        await csp.execute(
          placeOrder,
          { principal: w.direct.globalAdmin },
          {
            sellerTenantId: w.direct.tenantId,
            customerTenantId: w.resellerCustomer.tenantId,
            lines: [seats(2)],
          },
        ),
      );
      const ids = (p: Principal, input = {}) =>
        csp
          .query(listSubscriptions, { principal: p }, input)
          .then((o) => must(o).items.map((s) => s.orderId));
      expect((await ids(w.resellerCustomer.globalAdmin)).sort()).toEqual([indirect.id, direct.id].sort());
      expect(await ids(w.provider.globalAdmin)).toEqual([indirect.id]);
      expect(await ids(w.reseller.globalAdmin)).toEqual([indirect.id]);
      expect(await ids(w.direct.globalAdmin)).toEqual([direct.id]);
      expect(await ids(w.reseller2.globalAdmin)).toEqual([]);
      expect(await ids(w.operator.principal, { partnerId: w.reseller.partnerId })).toEqual([indirect.id]);
      // Multi-channel: a customer grants reseller 2 an admin relationship; it now sees (not changes) them all.
      const rel = must(
        await csp.execute(
          createAdminRelationship,
          { principal: w.reseller2.globalAdmin },
          {
            partnerTenantId: w.reseller2.tenantId,
            customerTenantId: w.resellerCustomer.tenantId,
            displayName: 'Managed services',
            roles: ['helpdesk-administrator'],
            durationDays: 90,
          },
        ),
      ) as { id: string };
      must(
        await csp.execute(
          requestAdminApproval,
          { principal: w.reseller2.globalAdmin },
          { adminRelationshipId: rel.id },
        ),
      );
      must(
        await csp.execute(
          approveAdminRelationship,
          { principal: w.resellerCustomer.globalAdmin },
          { adminRelationshipId: rel.id },
        ),
      );
      expect((await ids(w.reseller2.globalAdmin)).sort()).toEqual([indirect.id, direct.id].sort());
      const directSub = direct.lines[0]?.subscriptionId as string;
      expect(
        codes(
          await csp.execute(
            suspendSubscription,
            { principal: w.reseller2.globalAdmin },
            { subscriptionId: directSub },
          ),
        ),
      ).toEqual(['NOT_AUTHORIZED']);
      expect(
        codes(
          await csp.execute(
            suspendSubscription,
            { principal: w.usCustomer.globalAdmin },
            { subscriptionId: directSub },
          ),
        ),
      ).toEqual(['SUBSCRIPTION_NOT_FOUND']);
      // Orders: the customer sees both, the reseller only its own.
      const orders = (p: Principal) =>
        csp.query(listOrders, { principal: p }, {}).then((o) => must(o).items.map((x) => x.id));
      expect((await orders(w.resellerCustomer.globalAdmin)).sort()).toEqual([indirect.id, direct.id].sort());
      expect(await orders(w.reseller.globalAdmin)).toEqual([indirect.id]);
    });

    it('a relationship is removed only once its subscriptions are suspended or ended', async () => {
      const order = must(
        await csp.execute(
          placeOrder,
          { principal: w.direct.globalAdmin },
          {
            sellerTenantId: w.direct.tenantId,
            customerTenantId: w.directCustomer.tenantId,
            lines: [seats(2)],
          },
        ),
      );
      const relationshipId = (
        await csp.store.db
          .selectFrom('customer_relationships')
          .select('id')
          .where('partner_tenant_id', '=', w.direct.tenantId)
          .where('customer_tenant_id', '=', w.directCustomer.tenantId)
          .executeTakeFirstOrThrow()
      ).id;
      expect(
        codes(
          await csp.execute(
            removeCustomerRelationship,
            { principal: w.direct.globalAdmin },
            { relationshipId },
          ),
        ),
      ).toEqual(['SUBSCRIPTIONS_STILL_ACTIVE']);
      must(
        await csp.execute(
          suspendSubscription,
          { principal: w.direct.globalAdmin },
          { subscriptionId: order.lines[0]?.subscriptionId },
        ),
      );
      expect(
        codes(
          await csp.execute(
            removeCustomerRelationship,
            { principal: w.direct.globalAdmin },
            { relationshipId },
          ),
        ),
      ).toEqual(['ACCEPTED']);
    });
  });
});
