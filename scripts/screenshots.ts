// Development tool (not CI): PNGs of the real Temporal Web UI for the README, taken
// by headless Chromium against a running engine after `npm run demo`.
//   npm run screenshots            (CHROMIUM_PATH, default /usr/bin/chromium)
// It reads the same environment as the demo (TEMPORAL_UI_PORT, DEMO_TEMPORAL_UI_URL...)
// and writes docs/images/*.png.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { ConfigError } from '../worker/config';
import { connectDemoEngine, type DemoEngine } from './demo/engine';

const OUT = path.resolve(__dirname, '..', 'docs', 'images');

/** The newest workflow a visibility query finds (the demo's, right after it ran). */
async function newest(engine: DemoEngine, query: string): Promise<string> {
  for await (const wf of engine.ctx.client.workflow.list({ query, pageSize: 1 })) {
    return wf.workflowId;
  }
  throw new ConfigError(`no workflow matches ${query}: run \`npm run demo\` first`);
}

async function shoot(
  page: Page,
  url: string,
  file: string,
  waitFor: string,
  tab?: string,
): Promise<void> {
  await page.goto(url, { waitUntil: 'load' });
  await page.getByText(waitFor, { exact: false }).first().waitFor({ timeout: 30_000 });
  // e.g. "User Metadata": the summary and the current details the workflow keeps up to date.
  if (tab)
    await page
      .getByRole('link', { name: tab })
      .or(page.getByRole('tab', { name: tab }))
      .first()
      .click();
  // Payloads are decoded through the codec server after the page loads.
  await page.waitForTimeout(3000);
  await page.screenshot({ path: path.join(OUT, file), fullPage: false });
  console.log(`docs/images/${file}  ← ${url}`);
}

async function main(): Promise<void> {
  const engine = await connectDemoEngine();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  try {
    await mkdir(OUT, { recursive: true });
    const order = await newest(engine, `WorkflowType="order" AND BillingStage="active"`);
    const bill = await newest(engine, `WorkflowType="payAsYouGoBill"`);
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    await shoot(
      page,
      engine.listLink('BillingStage="provisioning_failed"'),
      'ui-list-billing-stage.png',
      'order/',
    );
    await shoot(page, engine.link(order), 'ui-order-detail.png', order, 'User Metadata');
    await shoot(page, engine.link(bill), 'ui-bill-detail.png', bill);
  } finally {
    await browser.close();
    await engine.close();
  }
}

main().catch((err: Error) => {
  console.error(err instanceof ConfigError ? `error: ${err.message}` : err);
  process.exit(1);
});
