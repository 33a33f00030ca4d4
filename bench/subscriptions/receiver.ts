import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/** One event-notification as received: the Task version it is about, its event number, when. */
export interface Receipt {
  key: string;
  eventNumber: number;
  at: number;
}

/**
 * The rest-hook endpoint of the benchmark, in the benchmark process (same clock as the sender):
 * parses each notification Bundle (full-resource) and records, for each event in it,
 * `Task/id@version` with the time of receipt (performance.now()). Handshakes and heartbeats are counted, not timed.
 */
export async function startBenchReceiver() {
  const receipts: Receipt[] = [];
  let other = 0;
  let bundles = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      res.end();
      try {
        const bundle = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          entry: { resource?: { resourceType: string; id: string; meta?: { versionId?: string }; parameter?: { name: string; valueCode?: string; part?: { name: string; valueString?: string }[] }[] } }[];
        };
        const status = bundle.entry[0].resource?.parameter ?? [];
        if (status.find((p) => p.name === 'type')?.valueCode !== 'event-notification') {
          other++;
          return;
        }
        bundles++;
        // A notification may carry several events: the n-th notification-event goes with entry n + 1.
        status
          .filter((p) => p.name === 'notification-event')
          .forEach((p, i) => {
            const task = bundle.entry[i + 1]?.resource;
            const number = p.part?.find((part) => part.name === 'event-number')?.valueString;
            receipts.push({ key: `${task?.id}@${task?.meta?.versionId}`, eventNumber: Number(number), at });
          });
      } catch {
        other++;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/notify`,
    receipts,
    others: () => other,
    /** Event-notification Bundles received (each carries one or more events). */
    bundles: () => bundles,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
