import { z } from 'zod';
import { isStrongPassword, MIN_PASSWORD_LENGTH } from './platform/auth/password.ts';

// Every setting is an environment variable, parsed once at start.
const configSchema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Unset: 127.0.0.1 in demo mode (this machine only), 0.0.0.0 otherwise. */
  HOST: z.string().optional(),
  DATABASE_URL: z.string().optional(),
  REDIS_URL: z.string().optional(),
  DATA_DIR: z.string().default('./data'),
  JWT_SECRET: z.string().min(16).optional(),
  JWT_TTL_HOURS: z.coerce.number().positive().default(12),
  /** The first password of the `admin` user: the rule of every password set through the API (platform/auth/password.ts). */
  ADMIN_PASSWORD: z
    .string()
    .refine(isStrongPassword, `at least ${MIN_PASSWORD_LENGTH} characters (at most 64) with letters and digits, like every password set in the console`)
    .optional(),
  TZ_DEFAULT: z.string().default('Asia/Shanghai'),
  /** The console's address as employees open it (links in app messages, e.g. 我的待办); default http://localhost:PORT. */
  PUBLIC_URL: z.string().url().optional(),
  /** How long a worker's claim on a callback event holds before another worker may take the event over. */
  EVENT_LEASE_SECONDS: z.coerce.number().positive().default(60),
  /** Demo mode: simulated adds, deletions and group joins per hour that keep the demo corp alive (0: off). */
  DEMO_ACTIVITY_PER_HOUR: z.coerce.number().min(0).max(3600).default(6),
  /** Demo mode: on the first start, after the first sync, SCRM's own example content (demo-content.ts); 0: none. */
  DEMO_CONTENT: z.enum(['0', '1']).default('1').transform((value) => value === '1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** 1: every response is also encoded by its zod schema and compared with what the compiled serializer wrote (the tests; platform/http/serializer.ts). */
  CHECK_RESPONSES: z.enum(['0', '1']).default('0').transform((value) => value === '1'),
  /**
   * Which proxies' X-Forwarded-For to believe (Fastify trustProxy): unset or `false` none (the peer address is
   * the client), a number of hops, or comma-separated addresses/CIDRs of the load balancers (`10.0.0.0/8`).
   * `true` believes anyone: only behind a proxy that overwrites the header.
   */
  TRUST_PROXY: z
    .string()
    .default('')
    .transform((text): boolean | number | string[] => {
      const value = text.trim();
      if (value === '' || value === 'false') return false;
      if (value === 'true') return true;
      if (/^\d+$/.test(value)) return Number(value);
      return value.split(',').map((part) => part.trim()).filter(Boolean);
    }),
  /** Sign-in attempts per client address per minute (`/admin/login`), on top of the per-account waits. */
  LOGIN_RATE_LIMIT: z.coerce.number().int().positive().default(30),
  WECOM_CORP_ID: z.string().optional(),
  WECOM_SECRET: z.string().optional(),
  WECOM_AGENT_ID: z.string().optional(),
  WECOM_TOKEN: z.string().optional(),
  WECOM_AES_KEY: z.string().optional(),
  WECOM_API_BASE: z.string().url().default('https://qyapi.weixin.qq.com'),
  /**
   * WeCom's open host, where pages inside WeCom (the sidebar) send the employee for OAuth2 (connect/oauth2/authorize).
   * Unset: https://open.weixin.qq.com with the real API; the simulator's address when it plays WeCom (demo mode, tests).
   */
  WECOM_OAUTH_BASE: z.string().url().optional(),
  NEXUS_APP_KEY: z.string().optional(),
  NEXUS_SECRET: z.string().optional(),
  /** `accept`: Nexus requests signed in the legacy form (no method, no path) are still accepted (transition). */
  NEXUS_LEGACY_SIGNATURE: z.enum(['reject', 'accept']).default('reject'),
  /** Origins allowed to call the API from a browser (comma-separated, e.g. `https://crm.example.com`); none by default. */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((text) => text.split(',').map((origin) => origin.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'an origin: scheme://host[:port], no path'))),
});

export type Config = Omit<z.infer<typeof configSchema>, 'HOST'> & {
  /** The listen address (resolved: see HOST above). */
  HOST: string;
  /** No WeCom credentials: the simulator plays WeCom in-process. */
  demoMode: boolean;
};

/** A setting is missing or wrong: SCRM does not start, and says why. */
export class ConfigError extends Error {}

/** Whether `host` is reachable from this machine only (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const address = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return address === 'localhost' || address === '::1' || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(address);
}

export const PRODUCTION_NEEDS_WECOM =
  'NODE_ENV=production needs the WeCom settings WECOM_CORP_ID, WECOM_SECRET, WECOM_TOKEN and WECOM_AES_KEY (see the README, Configuration). ' +
  'Without them SCRM would start in demo mode, with the built-in WeCom simulator and a demo corp, which is not for production. ' +
  'Set them, or unset NODE_ENV to try the demo on this machine.';

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${fields}`);
  }
  const demoMode = !parsed.data.WECOM_CORP_ID;
  if (demoMode && parsed.data.NODE_ENV === 'production') throw new ConfigError(PRODUCTION_NEEDS_WECOM);
  const missing = (['WECOM_SECRET', 'WECOM_TOKEN', 'WECOM_AES_KEY'] as const).filter((name) => !parsed.data[name]);
  if (!demoMode && missing.length > 0) {
    throw new ConfigError(`WECOM_CORP_ID is set, so ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} needed too (or unset WECOM_CORP_ID for demo mode)`);
  }
  // Demo mode listens on this machine only unless HOST says otherwise; a real installation on every interface.
  const HOST = parsed.data.HOST || (demoMode ? '127.0.0.1' : '0.0.0.0');
  return { ...parsed.data, HOST, demoMode };
}
