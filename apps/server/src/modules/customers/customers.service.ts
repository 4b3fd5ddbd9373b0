import type { WecomClient } from '@scrm/wecom';
import { callWecom } from '../../platform/wecom-errors.ts';
import type { RequestContext } from '../../platform/auth/context.ts';
import { actorOf } from '../../platform/auth/context.ts';
import { BadRequest, Conflict, InvalidField, NotFound } from '../../platform/http/errors.ts';
import type { Page } from '../../platform/http/schemas.ts';
import type { JobRecord, JobService } from '../../platform/jobs/job-service.ts';
import type { CustomerTagService } from '../tags/customer-tags.service.ts';
import type { Db } from '../../platform/db/database.ts';
import type { AuditLogRepository } from '../nexus/audit-log.repository.ts';
import type { TimelineService } from '../journey/timeline.service.ts';
import { BATCH_MARK_MAX } from '../tags/tags.schemas.ts';
import { viewerOf } from '../../platform/auth/data-scope.ts';
import type { CustomerRepository, ExportCursor, ViewerCustomerRepository } from './customers.repository.ts';
import type { CustomerStatsRepository } from './customer-stats.repository.ts';
import type { CustomerWriteRepository } from './customer-writes.repository.ts';
import { fetchCustomer, storeCustomer } from './customer-events.ts';
import { CUSTOMER_SYNC_JOB } from './customer-sync.ts';
import { streamRelationWorkbook } from './relation-export.ts';
import type {
  ChannelGroup, CustomerPageQuery, CustomerRecord, CustomerSaveBody, DailyStat, DailyStatBody, RelationBulkTagBody, RelationBulkTagResult,
  RelationFilters, RelationPageQuery, RelationRecord, RelationSaveBody, TotalsStat,
} from './customers.schemas.ts';

export interface CustomerServiceDeps {
  /** The tags module's customer tagging (mark_tag in WeCom and the local copy, one relation at a time). */
  customerTags: Pick<CustomerTagService, 'batchMark'>;
  /** The audit log: bulk changes are recorded there. */
  audit: Pick<AuditLogRepository, 'record'>;
  /** The customer timeline: remark edits are recorded there, with the edit. */
  timeline: Pick<TimelineService, 'record'>;
  db: Db;
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
      const customers = await customersFor(ctx);
      const updated = await deps.db.transaction(async (tx) => {
        if (!(await customers.updateRelationRemark(body.id, body, actorOf(ctx), tx))) return false;
        const changed: Record<string, unknown> = {};
        if (body.remark !== undefined && body.remark !== relation.remark) changed.remark = body.remark;
        if (body.description !== undefined && body.description !== relation.description) changed.description = body.description;
        if (body.remarkMobiles !== undefined && JSON.stringify(body.remarkMobiles) !== JSON.stringify(relation.remarkMobiles)) changed.mobiles = body.remarkMobiles;
        if (Object.keys(changed).length) {
          await deps.timeline.record(tx, [
            { type: 'remark_changed', occurredAt: new Date(deps.now()), externalUserid: relation.externalUserid, userid: relation.userid, actor: actorOf(ctx), data: changed },
          ]);
        }
        return true;
      });
      if (!updated) throw new NotFound('customerRelation', body.id);
      return this.getRelation(ctx, body.id);
    },

    /**
     * 客户列表 bulk tagging: the selected rows, or every active row matching the filters (at most
     * BATCH_MARK_MAX, each one mark_tag call in WeCom), through the tags module — each relation succeeds or
     * fails on its own, failures named by customer and employee in words. Recorded in the audit log.
     */
    async bulkTag(ctx: RequestContext, body: RelationBulkTagBody): Promise<RelationBulkTagResult> {
      const filters: RelationFilters = body.filters ?? { relationIds: body.relationIds };
      const { total, targets } = await (await customersFor(ctx)).bulkTargets(filters, BATCH_MARK_MAX);
      if (total > BATCH_MARK_MAX) throw new BadRequest('custBulkTooMany', { max: BATCH_MARK_MAX, total });
      if (targets.length === 0) throw new BadRequest('custBulkNone');
      const result = await deps.customerTags.batchMark(ctx, {
        tagType: body.tagType,
        addTagIds: body.addTagIds,
        removeTagIds: body.removeTagIds,
        targets: targets.map((target) => ({ externalUserid: target.externalUserid, userId: target.userid })),
      });
      const byKey = new Map(targets.map((target) => [`${target.externalUserid}\u0000${target.userid}`, target]));
      const failed = result.failed.map((failure) => {
        const target = byKey.get(`${failure.externalUserid}\u0000${failure.userId}`)!;
        return { relationId: target.id, customerName: target.customerName, employeeName: target.employeeName, message: failure.message, detail: failure.detail, errcode: failure.errcode };
      });
      await deps.audit.record(deps.db, { actor: actorOf(ctx), requestId: ctx.requestId, now: new Date(deps.now()) }, [
        {
          action: 'customer.tags.bulk',
          targetType: 'customer_relation',
          targetId: null,
          after: {
            tagType: body.tagType,
            addTagIds: body.addTagIds,
            removeTagIds: body.removeTagIds,
            selection: body.filters ? { filters: body.filters } : { relationIds: body.relationIds },
            relationIds: targets.map((target) => target.id),
            succeeded: result.succeeded,
            failed: failed.map((failure) => ({ relationId: failure.relationId, errcode: failure.errcode, message: failure.message })),
          },
        },
      ]);
      return { matched: targets.length, succeeded: result.succeeded, failed };
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
