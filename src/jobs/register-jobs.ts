import type { FastifyInstance } from 'fastify';
import type { ServerConfig } from '../config.ts';
import { CLR_ESCALATE_JOB, clrEscalateJob } from '../ecm/referral-escalation/escalation-job.ts';
import { POPULATION_JOB, populationJob } from '../ecm/population/population-job.ts';
import { JobRunner } from './job-runner.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** This process's job runner; undefined when background jobs are off (ServerConfig.jobs). */
    jobs?: JobRunner;
  }
}

/**
 * Background jobs of one server process (DESIGN.md src/jobs): the runner starts once the app is
 * ready (after the demo seed is loaded by main) and stops before the database closes, letting
 * the running job finish its batch. Off unless `config.jobs.enabled`.
 */
export function registerJobs(app: FastifyInstance, config: ServerConfig): void {
  const jobs = config.jobs;
  if (!jobs?.enabled) return;
  const runner = new JobRunner({
    database: app.database,
    leaseMs: jobs.leaseMs,
    pollMs: jobs.pollMs,
    concurrency: jobs.concurrency,
    log: {
      info: (obj, msg) => app.log.info(obj, msg),
      warn: (obj, msg) => app.log.warn(obj, msg),
      error: (obj, msg) => app.log.error(obj, msg),
    },
  });
  runner.handle(CLR_ESCALATE_JOB, clrEscalateJob(app.fhir));
  runner.handle(POPULATION_JOB, populationJob(app.fhir));
  if (app.fhir.jobs) app.fhir.jobs.wake = () => runner.wake();
  if (jobs.clrEscalateIntervalMs > 0) runner.every(CLR_ESCALATE_JOB, jobs.clrEscalateIntervalMs);
  app.decorate('jobs', runner);
  app.addHook('onReady', async () => runner.start());
  // preClose runs before the onClose hooks, so before closeAfterDrain closes the database
  app.addHook('preClose', async () => runner.stop());
}
