/**
 * API keys: bearer tokens bound to one user of a tenant, carrying that user's roles. A key is
 * shown once, when created; only its SHA-256 is stored. The tenant's global admin (or the system,
 * from the CLI) creates and revokes keys for the tenant's users.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { defineCommand } from '../app/command.ts';
import type { TenantId, UserId } from '../kernel/ids.ts';
import { accept, type Outcome, refuse, violation } from '../kernel/outcome.ts';
import type { Principal, UserRole } from '../kernel/principal.ts';
import { toInstant } from '../kernel/time.ts';
import { Fields } from '../kernel/validate.ts';
import { getUser, requireTenantAdmin } from '../parties/service.ts';
import type { Database } from '../store/schema.ts';

const PREFIX = 'ocsp_';

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export interface ApiKeyCreated {
  readonly id: string;
  readonly userId: string;
  readonly tenantId: string;
  readonly name: string;
  /** The bearer token. Shown this once; it cannot be read again. */
  readonly token: string;
}

/** Creates a key for a user of a tenant. */
export const createApiKey = defineCommand({
  name: 'api-keys.create',
  parse(input) {
    const f = new Fields(input);
    const userId = f.guid('userId');
    const name = f.text('name', { max: 100 });
    return f.finish(() => ({ userId, name }));
  },
  async run(ctx, input): Promise<Outcome<ApiKeyCreated>> {
    const user = await getUser(ctx.tx, input.userId);
    if (!user) return refuse(violation('USER_NOT_FOUND', `No user ${input.userId}.`, { field: 'userId' }));
    const denied = await requireTenantAdmin(
      ctx,
      user.tenantId,
      "create API keys for this tenant's users",
      violation('USER_NOT_FOUND', `No user ${input.userId}.`, { field: 'userId' }),
    );
    if (denied) return refuse(denied);
    const id = ctx.ids.guid();
    // Two GUIDs of entropy (244 random bits in production).
    const secret = `${ctx.ids.guid()}${ctx.ids.guid()}`.replaceAll('-', '');
    const token = `${PREFIX}${id.replaceAll('-', '')}_${secret}`;
    await ctx.tx
      .insertInto('api_keys')
      .values({
        id,
        user_id: user.id,
        tenant_id: user.tenantId,
        name: input.name,
        hash: sha256(token),
        created_at: toInstant(ctx.now),
        created_by: ctx.principal.kind === 'user' ? ctx.principal.userId : null,
        revoked_at: null,
      })
      .execute();
    await ctx.record({
      type: 'api-key.created',
      entityType: 'user',
      entityId: user.id,
      payload: { apiKeyId: id, name: input.name },
    });
    return accept({ id, userId: user.id, tenantId: user.tenantId, name: input.name, token });
  },
});

/** Revokes a key: it authenticates nothing afterwards. */
export const revokeApiKey = defineCommand({
  name: 'api-keys.revoke',
  parse(input) {
    const f = new Fields(input);
    const apiKeyId = f.guid('apiKeyId');
    return f.finish(() => ({ apiKeyId }));
  },
  async run(ctx, input): Promise<Outcome<{ id: string; revokedAt: string }>> {
    const key = await ctx.tx
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', input.apiKeyId)
      .executeTakeFirst();
    const missing = violation('ENTITY_NOT_FOUND', `No API key ${input.apiKeyId}.`, { field: 'apiKeyId' });
    if (!key) return refuse(missing);
    const denied = await requireTenantAdmin(ctx, key.tenant_id, 'revoke API keys of this tenant', missing);
    if (denied) return refuse(denied);
    if (key.revoked_at)
      return refuse(violation('INVALID_TRANSITION', `API key ${key.id} is already revoked.`));
    const at = toInstant(ctx.now);
    await ctx.tx.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', key.id).execute();
    await ctx.record({
      type: 'api-key.revoked',
      entityType: 'user',
      entityId: key.user_id,
      payload: { apiKeyId: key.id },
    });
    return accept({ id: key.id, revokedAt: at });
  },
});

/**
 * The principal a bearer token stands for, or undefined for an unknown, malformed or revoked one.
 * Compares hashes in constant time.
 */
export async function authenticate(db: Kysely<Database>, token: string): Promise<Principal | undefined> {
  const m = /^ocsp_([0-9a-f]{32})_[0-9a-f]{64}$/.exec(token);
  if (!m?.[1]) return undefined;
  const h = m[1];
  const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  const key = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  if (!key || key.revoked_at) return undefined;
  const expected = Buffer.from(key.hash, 'hex');
  const actual = Buffer.from(sha256(token), 'hex');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  const roles = await db
    .selectFrom('user_roles')
    .select('role')
    .where('user_id', '=', key.user_id)
    .orderBy('role')
    .execute();
  return {
    kind: 'user',
    userId: key.user_id as UserId,
    tenantId: key.tenant_id as TenantId,
    roles: roles.map((r) => r.role as UserRole),
  };
}
