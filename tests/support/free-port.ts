import { createServer, type AddressInfo } from 'node:net';

/** A free loopback port, for tests that must listen on a real socket (browsers, HTTP clients). */
export function freePort(): Promise<number> {
  const probe = createServer();
  return new Promise((resolve) =>
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    }),
  );
}
