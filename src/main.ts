import { configFromEnv } from './config.ts';
import { settingsProfiles } from './ecm/settings/settings-profile.ts';
import { buildApp } from './http/app.ts';
import { loadDemoSeed } from './seed/load-demo-seed.ts';

/** `npm start`: the server with the demo data on first start (README "Run the server"). */
async function main(): Promise<void> {
  const config = configFromEnv();
  // a bad operator settings file (ECM_SETTINGS_DIR) stops the start, not the first ECM request
  settingsProfiles();
  const app = await buildApp(config);
  if (config.seed === 'demo') {
    const loaded = await loadDemoSeed(app.fhir);
    if (loaded > 0) app.log.info({ resources: loaded }, 'demo data loaded');
  }
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: draining requests');
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await app.listen({ port: config.port, host: config.host });
  app.log.info(`FHIR server ready at ${config.baseUrl} (database: ${app.database.kind})`);
  process.stdout.write(`FHIR base URL: ${config.baseUrl}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
