import { z } from 'zod';

// Every setting is an environment variable, parsed once at start.
const configSchema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().optional(),
  REDIS_URL: z.string().optional(),
  DATA_DIR: z.string().default('./data'),
  JWT_SECRET: z.string().min(16).optional(),
  JWT_TTL_HOURS: z.coerce.number().positive().default(12),
  ADMIN_PASSWORD: z.string().min(8).optional(),
  TZ_DEFAULT: z.string().default('Asia/Shanghai'),
  /** How long a worker's claim on a callback event holds before another worker may take the event over. */
  EVENT_LEASE_SECONDS: z.coerce.number().positive().default(60),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WECOM_CORP_ID: z.string().optional(),
  WECOM_SECRET: z.string().optional(),
  WECOM_AGENT_ID: z.string().optional(),
  WECOM_TOKEN: z.string().optional(),
  WECOM_AES_KEY: z.string().optional(),
  WECOM_API_BASE: z.string().url().default('https://qyapi.weixin.qq.com'),
  NEXUS_APP_KEY: z.string().optional(),
  NEXUS_SECRET: z.string().optional(),
});

export type Config = z.infer<typeof configSchema> & {
  /** No WeCom credentials: the simulator plays WeCom in-process. */
  demoMode: boolean;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid configuration: ${fields}`);
  }
  return { ...parsed.data, demoMode: !parsed.data.WECOM_CORP_ID };
}
