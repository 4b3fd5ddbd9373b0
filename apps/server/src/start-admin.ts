// The administrator at start-up (main.ts): the platform seed with the `admin` user's first password, and
// in demo mode reachable from other machines (HOST not a loopback address), no well-known password.
import { isLoopbackHost, type Config } from './config.ts';
import type { Db } from './platform/db/database.ts';
import { generateOneTimePassword } from './platform/auth/password.ts';
import { retireWellKnownAdminPassword, seedPlatform } from './modules/system/seed.ts';

/** The demo's documented password (README): only for a demo listening on this machine only. */
export const DEMO_ADMIN_PASSWORD = 'admin123';

export interface AdministratorAtStart {
  /** The `admin` user was created now. */
  adminCreated: boolean;
  /** The password to print once: the new admin's, or the one replacing the well-known demo password. */
  password?: string;
  /** `admin` must change `password` at first sign-in. */
  mustChangePassword: boolean;
  /** An existing admin still had the demo password, replaced by `password`. */
  replacedWellKnown: boolean;
  /** Demo mode listening on an address other machines can reach. */
  exposedDemo: boolean;
}

/**
 * Seeds the platform. The `admin` user created on first start gets ADMIN_PASSWORD, else `admin123` in a
 * demo listening on loopback only, else a generated one-time password. A demo reachable from other
 * machines makes that admin change the password at first sign-in, and replaces a password still equal to
 * `admin123` (a data directory first used by a loopback demo) with a generated one, to change likewise.
 */
export async function seedAdministrator(
  db: Db,
  config: Pick<Config, 'demoMode' | 'HOST' | 'ADMIN_PASSWORD'>,
  generatePassword: () => string = generateOneTimePassword,
): Promise<AdministratorAtStart> {
  const exposedDemo = config.demoMode && !isLoopbackHost(config.HOST);
  const password = config.ADMIN_PASSWORD ?? (config.demoMode && !exposedDemo ? DEMO_ADMIN_PASSWORD : generatePassword());
  const seeded = await seedPlatform(db, { adminPassword: password, mustChangePassword: exposedDemo });
  if (seeded.adminCreated) return { adminCreated: true, password, mustChangePassword: exposedDemo, replacedWellKnown: false, exposedDemo };
  if (exposedDemo) {
    const replacement = generatePassword();
    if (await retireWellKnownAdminPassword(db, { wellKnown: DEMO_ADMIN_PASSWORD, replacement })) {
      return { adminCreated: false, password: replacement, mustChangePassword: true, replacedWellKnown: true, exposedDemo };
    }
  }
  return { adminCreated: false, mustChangePassword: false, replacedWellKnown: false, exposedDemo };
}
