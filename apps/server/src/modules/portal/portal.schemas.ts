import { z } from 'zod';
import { dateTime, optionalText, pageQuery } from '../../platform/http/schemas.ts';

export const callbackQuery = z.object({
  msg_signature: z.string().min(1).max(128),
  timestamp: z.string().min(1).max(32),
  nonce: z.string().min(1).max(128),
});

export const verifyQuery = callbackQuery.extend({ echostr: z.string().min(1).max(4096) });

export const eventStatus = z.enum(['pending', 'processing', 'done', 'failed', 'dead']);

export const eventPageBody = pageQuery.extend({
  event: optionalText(64),
  changeType: optionalText(64),
  status: eventStatus.optional().describe('pending, processing, done, failed (will be retried), dead (out of retries)'),
  source: z.enum(['callback', 'test']).optional(),
  startTime: dateTime.optional().describe('received at or after'),
  endTime: dateTime.optional().describe('received at or before'),
});
export type EventPageBody = z.output<typeof eventPageBody>;

export const eventRecord = z.object({
  id: z.number(),
  eventKey: z.string(),
  corpId: z.string(),
  event: z.string(),
  changeType: z.string().nullable(),
  xml: z.string(),
  payload: z.unknown(),
  createTime: dateTime.nullable(),
  source: z.string(),
  status: z.string(),
  outcome: z.string().nullable().describe('applied, or ignored (no handler for this event)'),
  attempts: z.number(),
  nextAttemptAt: dateTime,
  lastError: z.string().nullable().describe('why the last attempt failed, in words (WeCom errors through the WeCom error table)'),
  lastErrorDetail: z.string().nullable().describe("a WeCom failure's raw errcode and errmsg (the details line)"),
  receivedAt: dateTime,
  processedAt: dateTime.nullable(),
});

export const replayBody = z.object({ ids: z.array(z.number().int().positive()).min(1).max(1000) });
export const replayResult = z.object({ replayed: z.number(), ids: z.array(z.number()) });

export const portalTestResult = z.object({
  id: z.number().nullable().describe('the stored event; null when it was already stored (a redelivery)'),
  duplicate: z.boolean(),
  eventKey: z.string(),
  event: z.string(),
  changeType: z.string().nullable(),
});

export const jsConfBody = z.object({ url: z.string().trim().url().max(2048) });
export const jsConfResult = z.object({
  corpId: z.string(),
  agentId: z.string().nullable(),
  config: z.object({ appId: z.string(), timestamp: z.number(), nonceStr: z.string(), signature: z.string() }).describe('wx.config / ww.register getConfigSignature'),
  agentConfig: z
    .object({ corpid: z.string(), agentid: z.string(), timestamp: z.number(), nonceStr: z.string(), signature: z.string() })
    .nullable()
    .describe('wx.agentConfig; null when no WECOM_AGENT_ID is configured'),
});
