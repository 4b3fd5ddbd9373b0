import type { WecomClient } from '@scrm/wecom';
import { callWecom } from '../../platform/wecom-errors.ts';
import type { RequestContext } from '../../platform/auth/context.ts';
import { actorOf } from '../../platform/auth/context.ts';
import { BadRequest, Conflict, InvalidField, NotFound } from '../../platform/http/errors.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { JobRecord, JobService } from '../../platform/jobs/job-service.ts';
import { viewerOf } from '../../platform/auth/data-scope.ts';
import type { CustomerRepository, ExportCursor, ViewerCustomerRepository } from './customers.repository.ts';
import type { CustomerStatsRepository } from './customer-stats.repository.ts';
import type { CustomerWriteRepository } from './customer-writes.repository.ts';
import { fetchCustomer, storeCustomer } from './customer-events.ts';
import { CUSTOMER_SYNC_JOB } from './customer-sync.ts';
import { streamRelationWorkbook } from './relation-export.ts';
import type {
  ChannelGroup, CustomerPageQuery, CustomerRecord, CustomerSaveBody, DailyStat, DailyStatBody, RelationFilters, RelationPageQuery,
  RelationRecord, RelationSaveBody, TotalsStat,
} from './customers.schemas.ts';

export interface CustomerServiceDeps {
  customers: Pick<CustomerRepository, 'forViewer' | 'customerExists' | 'insertCustomer'>;
  writes: Pick<CustomerWriteRepository, 'upsertCustomers' | 'upsertRelations'>;
  stats: Pick<CustomerStatsRepository, 'forViewer'>;
  jobs: Pick<JobService, 'start'>;
  /** The configured WeCom client; undefined when WeCom is not configured. */
  wecom: () => Pick<WecomClient, 'externalContact'> | undefined;
  timeZone: string;
  now: () => number;
  /** Rows per database read of an export. */
  exportBatchSize?: number;
}

export function createCustomerService(deps: CustomerServiceDeps) {
  /** The customer repository made for the caller. */
  const customersFor = async (ctx: RequestContext) => deps.customers.forViewer(await viewerOf(ctx));

  function wecom() {
    const client = deps.wecom();
    if (!client) throw new BadRequest('custWecomNotConfigured');
    return client;
  }

  async function detail(customers: ViewerCustomerRepository, customer: CustomerRecord) {
    return { ...customer, relations: await customers.relationsOfCustomer(customer.externalUserid) };
  }

  return {
    // ---- cust/info ---------------------------------------------------------------------------------

    async pageCustomers(ctx: RequestContext, query: CustomerPageQuery): Promise<Page<CustomerRecord>> {
      return (await customersFor(ctx)).pageCustomers(query);
    },

    async getCustomer(ctx: RequestContext, id: number) {
      const customers = await customersFor(ctx);
      const customer = await customers.customerBy({ id });
      if (!customer) throw new NotFound('customer', id);
      return detail(customers, customer);
    },

    async getCustomerByExternalUserid(ctx: RequestContext, externalUserid: string) {
      const customers = await customersFor(ctx);
      const customer = await customers.customerBy({ externalUserid });
      if (!customer) throw new NotFound('customer', externalUserid);
      return detail(customers, customer);
    },

    /** Live from WeCom; the stored copy (customer and relations) is refreshed on the way. */
    async realtime(ctx: RequestContext, externalUserid: string) {
      const contact = await callWecom(() => fetchCustomer(wecom(), externalUserid));
      if (!contact) throw new NotFound('customer', externalUserid);
      await storeCustomer({ writes: deps.writes, now: deps.now }, contact);
      return this.getCustomerByExternalUserid(ctx, externalUserid);
    },

    async saveCustomer(ctx: RequestContext, body: CustomerSaveBody) {
      const actor = actorOf(ctx);
      if (body.id) {
        if (!(await (await customersFor(ctx)).updateCustomer(body.id, body, actor))) throw new NotFound('customer', body.id);
        return this.getCustomer(ctx, body.id);
      }
      if (!body.externalUserid) throw new InvalidField('externalUserid', 'customerFieldRequired', { field: 'externalUserid' });
      if (!body.name) throw new InvalidField('name', 'customerFieldRequired', { field: 'name' });
      if (await deps.customers.customerExists(body.externalUserid)) throw new Conflict('customerExists', { externalUserid: body.externalUserid });
      const created = await deps.customers.insertCustomer({ ...body, externalUserid: body.externalUserid, name: body.name }, actor);
      return { ...created, relations: [] };
    },

    async dailyStat(ctx: RequestContext, body: DailyStatBody): Promise<DailyStat[]> {
      return deps.stats.forViewer(await viewerOf(ctx)).daily(body);
    },

    /** Starts the full sync, or returns the one already waiting or running. */
    async startSync(ctx: RequestContext): Promise<JobRecord> {
      wecom();
      return deps.jobs.start(CUSTOMER_SYNC_JOB, {}, { actor: actorOf(ctx), exclusive: true });
    },

    // ---- cust/emp ----------------------------------------------------------------------------------

    async pageRelations(ctx: RequestContext, query: RelationPageQuery): Promise<Page<RelationRecord>> {
      return (await customersFor(ctx)).pageRelations(query);
    },

    async pageByChannel(ctx: RequestContext, query: RelationPageQuery): Promise<Page<ChannelGroup>> {
      return (await customersFor(ctx)).pageByChannel(query);
    },

    async getRelation(ctx: RequestContext, id: number): Promise<RelationRecord> {
      const relation = await (await customersFor(ctx)).relationById(id);
      if (!relation) throw new NotFound('customerRelation', id);
      return relation;
    },

    async listByUser(ctx: RequestContext, userid: string): Promise<RelationRecord[]> {
      return (await customersFor(ctx)).activeRelationsOfEmployee(userid);
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
        await callWecom(
          () =>
            client.externalContact.remark({
              userid: relation.userid,
              external_userid: relation.externalUserid,
              ...(body.remark !== undefined ? { remark: body.remark } : {}),
              ...(body.description !== undefined ? { description: body.description } : {}),
              ...(body.remarkCorpName !== undefined ? { remark_company: body.remarkCorpName } : {}),
              ...(body.remarkMobiles !== undefined ? { remark_mobiles: body.remarkMobiles } : {}),
            }),
          { name: relation.employeeName ?? undefined, customer: relation.customerName },
        );
      }
      if (!(await (await customersFor(ctx)).updateRelationRemark(body.id, body, actorOf(ctx)))) throw new NotFound('customerRelation', body.id);
      return this.getRelation(ctx, body.id);
    },

    async totalsStat(ctx: RequestContext, filters: RelationFilters): Promise<TotalsStat> {
      return (await customersFor(ctx)).totals(filters);
    },

    /** The page's rows (filters and data scope) as an xlsx stream. */
    async exportRelations(ctx: RequestContext, filters: RelationFilters, onError?: (error: unknown) => void) {
      const customers = await customersFor(ctx);
      const batchSize = deps.exportBatchSize ?? 5000;
      const read = (after: ExportCursor | null) => {
        const batch = customers.relationBatch(filters, after, batchSize);
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
