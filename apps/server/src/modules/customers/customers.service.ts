import type { WecomClient } from '@scrm/wecom';
import type { RequestContext } from '../../platform/auth/context.ts';
import { actorOf } from '../../platform/auth/context.ts';
import { BadRequest, Conflict, InvalidField, NotFound } from '../../platform/http/errors.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { JobRecord, JobService } from '../../platform/jobs/job-service.ts';
import type { CustomerRepository, ExportCursor, Viewer } from './customers.repository.ts';
import type { createCustomerStatsRepository } from './customer-stats.repository.ts';
import type { CustomerWriteRepository } from './customer-writes.repository.ts';
import { fetchCustomer, storeCustomer } from './customer-events.ts';
import { CUSTOMER_SYNC_JOB } from './customer-sync.ts';
import { streamRelationWorkbook } from './relation-export.ts';
import type {
  ChannelGroup, CustomerPageQuery, CustomerRecord, CustomerSaveBody, DailyStat, DailyStatBody, RelationFilters, RelationPageQuery,
  RelationRecord, RelationSaveBody, TotalsStat,
} from './customers.schemas.ts';

export interface CustomerServiceDeps {
  customers: CustomerRepository;
  writes: Pick<CustomerWriteRepository, 'upsertCustomers' | 'upsertRelations'>;
  stats: Pick<ReturnType<typeof createCustomerStatsRepository>, 'daily'>;
  jobs: Pick<JobService, 'start'>;
  /** The configured WeCom client; undefined when WeCom is not configured. */
  wecom: () => Pick<WecomClient, 'externalContact'> | undefined;
  timeZone: string;
  now: () => number;
  /** Rows per database read of an export. */
  exportBatchSize?: number;
}

async function viewerOf(ctx: RequestContext): Promise<Viewer> {
  return { scope: await ctx.scope(), user: ctx.user };
}

export function createCustomerService(deps: CustomerServiceDeps) {
  const { customers } = deps;

  function wecom() {
    const client = deps.wecom();
    if (!client) throw new BadRequest('custWecomNotConfigured');
    return client;
  }

  async function detail(viewer: Viewer, customer: CustomerRecord) {
    return { ...customer, relations: await customers.relationsOfCustomer(viewer, customer.externalUserid) };
  }

  return {
    // ---- cust/info ---------------------------------------------------------------------------------

    async pageCustomers(ctx: RequestContext, query: CustomerPageQuery): Promise<Page<CustomerRecord>> {
      return customers.pageCustomers(await viewerOf(ctx), query);
    },

    async getCustomer(ctx: RequestContext, id: number) {
      const viewer = await viewerOf(ctx);
      const customer = await customers.customerBy(viewer, { id });
      if (!customer) throw new NotFound('customer', id);
      return detail(viewer, customer);
    },

    async getCustomerByExternalUserid(ctx: RequestContext, externalUserid: string) {
      const viewer = await viewerOf(ctx);
      const customer = await customers.customerBy(viewer, { externalUserid });
      if (!customer) throw new NotFound('customer', externalUserid);
      return detail(viewer, customer);
    },

    /** Live from WeCom; the stored copy (customer and relations) is refreshed on the way. */
    async realtime(ctx: RequestContext, externalUserid: string) {
      const contact = await fetchCustomer(wecom(), externalUserid);
      if (!contact) throw new NotFound('customer', externalUserid);
      await storeCustomer({ writes: deps.writes, now: deps.now }, contact);
      return this.getCustomerByExternalUserid(ctx, externalUserid);
    },

    async saveCustomer(ctx: RequestContext, body: CustomerSaveBody) {
      const viewer = await viewerOf(ctx);
      const actor = actorOf(ctx);
      if (body.id) {
        const existing = await customers.customerBy(viewer, { id: body.id });
        if (!existing) throw new NotFound('customer', body.id);
        await customers.updateCustomer(body.id, body, actor);
        return this.getCustomer(ctx, body.id);
      }
      if (!body.externalUserid) throw new InvalidField('externalUserid', 'customerFieldRequired', { field: 'externalUserid' });
      if (!body.name) throw new InvalidField('name', 'customerFieldRequired', { field: 'name' });
      if (await customers.customerExists(body.externalUserid)) throw new Conflict('customerExists', { externalUserid: body.externalUserid });
      const id = await customers.insertCustomer({ ...body, externalUserid: body.externalUserid, name: body.name }, actor);
      const created = await customers.customerBy({ scope: { all: true }, user: ctx.user }, { id });
      return { ...created!, relations: [] };
    },

    async dailyStat(ctx: RequestContext, body: DailyStatBody): Promise<DailyStat[]> {
      return deps.stats.daily(await viewerOf(ctx), body);
    },

    /** Starts the full sync, or returns the one already waiting or running. */
    async startSync(ctx: RequestContext): Promise<JobRecord> {
      wecom();
      return deps.jobs.start(CUSTOMER_SYNC_JOB, {}, { actor: actorOf(ctx), exclusive: true });
    },

    // ---- cust/emp ----------------------------------------------------------------------------------

    async pageRelations(ctx: RequestContext, query: RelationPageQuery): Promise<Page<RelationRecord>> {
      return customers.pageRelations(await viewerOf(ctx), query);
    },

    async pageByChannel(ctx: RequestContext, query: RelationPageQuery): Promise<Page<ChannelGroup>> {
      return customers.pageByChannel(await viewerOf(ctx), query);
    },

    async getRelation(ctx: RequestContext, id: number): Promise<RelationRecord> {
      const relation = await customers.relationById(await viewerOf(ctx), id);
      if (!relation) throw new NotFound('customerRelation', id);
      return relation;
    },

    async listByUser(ctx: RequestContext, userid: string): Promise<RelationRecord[]> {
      return customers.activeRelationsOfEmployee(await viewerOf(ctx), userid);
    },

    /**
     * Edits the employee's remark, description, remark company and mobiles: written to WeCom first
     * (externalcontact/remark), then stored. Only an active relation can be edited.
     */
    async saveRelation(ctx: RequestContext, body: RelationSaveBody): Promise<RelationRecord> {
      const relation = await this.getRelation(ctx, body.id);
      if (relation.status !== 'active') throw new Conflict('relationNotActive', { id: body.id });
      const client = deps.wecom();
      if (client) {
        await client.externalContact.remark({
          userid: relation.userid,
          external_userid: relation.externalUserid,
          ...(body.remark !== undefined ? { remark: body.remark } : {}),
          ...(body.description !== undefined ? { description: body.description } : {}),
          ...(body.remarkCorpName !== undefined ? { remark_company: body.remarkCorpName } : {}),
          ...(body.remarkMobiles !== undefined ? { remark_mobiles: body.remarkMobiles } : {}),
        });
      }
      await customers.updateRelationRemark(body.id, body, actorOf(ctx));
      return this.getRelation(ctx, body.id);
    },

    async totalsStat(ctx: RequestContext, filters: RelationFilters): Promise<TotalsStat> {
      return customers.totals(await viewerOf(ctx), filters);
    },

    /** The page's rows (filters and data scope) as an xlsx stream. */
    async exportRelations(ctx: RequestContext, filters: RelationFilters, onError?: (error: unknown) => void) {
      const viewer = await viewerOf(ctx);
      const batchSize = deps.exportBatchSize ?? 5000;
      const read = (after: ExportCursor | null) => {
        const batch = customers.relationBatch(viewer, filters, after, batchSize);
        batch.catch(() => {}); // a read-ahead abandoned by a failed or cancelled download must not go unhandled
        return batch;
      };
      async function* batches() {
        // The next batch is read while the current one is written to the workbook.
        let next = read(null);
        for (;;) {
          const batch = await next;
          if (batch.length === batchSize) {
            const last = batch[batch.length - 1];
            next = read({ createtime: last.createtime, id: last.id });
          }
          if (batch.length > 0) yield batch;
          if (batch.length < batchSize) return;
        }
      }
      return streamRelationWorkbook(batches(), { timeZone: deps.timeZone, onError });
    },
  };
}

export type CustomerService = ReturnType<typeof createCustomerService>;
