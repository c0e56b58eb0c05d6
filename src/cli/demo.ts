/**
 * The demo world and its summary: what `npm start` creates on first start.
 */
import { OpenCsp } from '../app/opencsp.ts';
import { listCustomerPartners } from '../customers/service.ts';
import { seededIds } from '../kernel/ids.ts';
import { SYSTEM } from '../kernel/principal.ts';
import { getStanding } from '../standing/service.ts';
import { buildWorld, type Partner, type World, type WorldSpec } from '../world/builder.ts';

/** Partners in three regions (Europe, United States, Japan), so cross-region refusals can be shown. */
export const DEMO_WORLD: WorldSpec = {
  countries: ['FR', 'DE', 'US', 'JP'],
  resellersPerProvider: 2,
  directBillPerCountry: 1,
  customersPerCountry: 2,
};

/** A human-readable table of the world: who is who, with Partner IDs and standing. */
export async function summarize(csp: OpenCsp, world: World): Promise<string> {
  const lines = [
    `OpenCSP demo world — program ${csp.program.name} (vendor: ${csp.program.vendor.legalName})`,
    '',
  ];
  const row = async (kind: string, p: Partner) => {
    const s = await csp.query(getStanding, { principal: SYSTEM }, { tenantId: p.tenantId });
    const standing = s.ok
      ? s.value.mayTransact
        ? 'may transact'
        : s.value.violations.map((v) => v.code).join(',')
      : 'n/a';
    lines.push(
      `  ${kind.padEnd(18)} ${String(p.partnerId).padEnd(9)} ${p.country}  tenant ${p.tenantId}  ${standing}`,
    );
  };
  lines.push(`  ${'role'.padEnd(18)} ${'PartnerID'.padEnd(9)} cc  CSP tenant`);
  for (const p of world.providers) await row('indirect-provider', p);
  for (const p of world.resellers) await row('indirect-reseller', p);
  for (const p of world.directBill) await row('direct-bill', p);
  for (const c of world.customers) {
    const partners = await csp.query(
      listCustomerPartners,
      { principal: SYSTEM },
      { customerTenantId: c.tenantId },
    );
    const names = partners.ok
      ? partners.value.items.map((p) => `${p.name} (${p.partnerId ?? '-'})`).join(', ')
      : '';
    lines.push(
      `  ${'customer'.padEnd(18)} ${'-'.padEnd(9)} ${c.country}  tenant ${c.tenantId}  partners: ${names}`,
    );
  }
  lines.push('', `Program operator tenant: ${world.operator.tenantId}`, '');
  return `${lines.join('\n')}\n`;
}

/** The seed of the demo world: the same ids on every machine, so the README's examples work as written. */
export const DEMO_SEED = 2026;

/**
 * Builds the demo world with deterministic ids (its own runtime over the same store); everything
 * created afterwards gets random ids and tokens as usual.
 */
export async function buildDemoWorld(csp: OpenCsp, onProgress?: WorldSpec['onProgress']): Promise<World> {
  const seeded = new OpenCsp(csp.store, csp.program, seededIds(DEMO_SEED), () => new Date());
  return buildWorld(seeded, { ...DEMO_WORLD, ...(onProgress && { onProgress }) });
}
