/**
 * Replay histories (issue 9, determinism). Integration tests call
 * `recordHistory` at the end of a scenario; with RECORD_REPLAY_HISTORIES=1 it
 * writes the run's history to test/replay/histories/<name>.json, which is
 * committed. test/integration/replay.test.ts replays every committed history
 * against the current workflow code, so a change that would break running
 * executions fails the build. Without the variable it does nothing.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export const HISTORIES_DIR = path.resolve(__dirname, '..', 'replay', 'histories');

export interface RecordedHistory {
  name: string;
  workflowId: string;
  history: temporal.api.history.v1.IHistory;
}

export async function recordHistory(
  client: Client,
  workflowId: string,
  name: string,
): Promise<void> {
  if (process.env.RECORD_REPLAY_HISTORIES !== '1') return;
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`history name "${name}" must be kebab-case`);
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  await mkdir(HISTORIES_DIR, { recursive: true });
  // Binary protobuf (base64): exact, and independent of which protobufjs copy loads it.
  const bytes = temporal.api.history.v1.History.encode(
    temporal.api.history.v1.History.create(history),
  ).finish();
  const workflowType =
    history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
  const file = path.join(HISTORIES_DIR, `${name}.json`);
  const stored = { workflowId, workflowType, history: Buffer.from(bytes).toString('base64') };
  await writeFile(file, `${JSON.stringify(stored, null, 1)}\n`);
}

export async function loadRecordedHistories(): Promise<RecordedHistory[]> {
  const files = (await readdir(HISTORIES_DIR)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => {
      const stored = JSON.parse(await readFile(path.join(HISTORIES_DIR, file), 'utf8')) as {
        workflowId: string;
        history: string;
      };
      return {
        name: file.replace(/\.json$/, ''),
        workflowId: stored.workflowId,
        history: temporal.api.history.v1.History.decode(Buffer.from(stored.history, 'base64')),
      };
    }),
  );
}
