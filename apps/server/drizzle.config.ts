import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate --name <what>` from apps/server; migrations are never edited after they land.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/index.ts',
  out: './src/db/migrations',
  casing: 'snake_case',
});
