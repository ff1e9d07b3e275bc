// Development only: what the dev verification sender "delivered" to a phone.
//   npm run dev:outbox -- +14155550123 [count]
// Reads DATABASE_URL, or the embedded PostgreSQL of `npm start` (EMBEDDED_POSTGRES_PORT).
import { checkDatabaseReachable, createDatabase, safeUrl } from '../activities/database';
import { PhoneSchema } from '../domain/upgrade-contracts';
import { ConfigError, parseEngineEnv } from '../worker/config';

async function main(): Promise<void> {
  const [phone, countArg] = process.argv.slice(2);
  if (!phone || !PhoneSchema.safeParse(phone).success) {
    throw new ConfigError(
      'usage: npm run dev:outbox -- <phone in E.164, e.g. +14155550123> [count]',
    );
  }
  const count = Math.min(Math.max(Number(countArg ?? 5) || 5, 1), 100);
  const env = parseEngineEnv();
  if (env.VERIFICATION_PROVIDER !== 'dev') {
    throw new ConfigError(
      `VERIFICATION_PROVIDER is ${env.VERIFICATION_PROVIDER}: there is no dev outbox`,
    );
  }
  const url =
    env.DATABASE_URL ??
    `postgresql://billing:billing-dev@127.0.0.1:${env.EMBEDDED_POSTGRES_PORT}/billing`;
  await checkDatabaseReachable(url, env.DATABASE_URL ? 'DATABASE_URL' : 'EMBEDDED_POSTGRES_PORT');
  const db = createDatabase(url);
  try {
    const messages = await db.devOutboxMessage.findMany({
      where: { phoneE164: phone },
      orderBy: { id: 'desc' },
      take: count,
    });
    if (messages.length === 0) {
      console.log(`no messages for ${phone} in ${safeUrl(url)}`);
      return;
    }
    for (const m of messages) {
      console.log(`${m.createdAt.toISOString()}  ${m.channel.padEnd(5)}  ${m.body}`);
    }
  } catch (err) {
    throw new ConfigError(
      `cannot read the dev outbox at ${safeUrl(url)} (${(err as Error).message.split('\n')[0]})`,
    );
  } finally {
    await db.$disconnect();
  }
}

main().catch((err: Error) => {
  console.error(err instanceof ConfigError ? `error: ${err.message}` : err);
  process.exit(1);
});
