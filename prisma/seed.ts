// `npm run db:seed`: loads reference data into DATABASE_URL.
import { createDatabase } from '../activities/database';
import { parseEngineEnv } from '../worker/config';
import { seedReferenceData } from './seed-data';

async function main(): Promise<void> {
  const env = parseEngineEnv();
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL: required for db:seed');
  const db = createDatabase(env.DATABASE_URL);
  try {
    const { products } = await seedReferenceData(db);
    console.log(`seeded ${products} catalog products`);
  } finally {
    await db.$disconnect();
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
