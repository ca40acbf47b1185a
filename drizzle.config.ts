import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/adapters/drizzle/schema/index.ts',
  out: './drizzle',
});
