import { randomUUID } from 'node:crypto';
import type { Repository } from '../../fhir/repository.ts';
import type { PopulationOutput } from './population-run.ts';

/** One asynchronous population run (async.html), kept in memory: jobs do not survive a restart. */
export interface PopulationJob {
  id: string;
  /** AccessContext.actor of the caller: only the same actor sees or cancels the job. */
  actor: string;
  /** The request URL, echoed in the result (async.html: Bundle.link self). */
  request: string;
  state: 'running' | 'done' | 'failed';
  done: number;
  total: number;
  output?: PopulationOutput;
  /** A failed run: the OperationOutcome to answer. */
  error?: { status: number; outcome: object };
  controller: AbortController;
  finished?: Promise<void>;
}

/** Finished jobs kept per server before the oldest is dropped (each holds its lists in memory). */
const MAX_FINISHED = 20;

/** The jobs of one server (keyed by its repository, so test apps do not share them). */
export class PopulationJobs {
  private readonly jobs = new Map<string, PopulationJob>();

  create(actor: string, request: string): PopulationJob {
    const job: PopulationJob = { id: randomUUID(), actor, request, state: 'running', done: 0, total: 0, controller: new AbortController() };
    this.jobs.set(job.id, job);
    const finished = [...this.jobs.values()].filter((j) => j.state !== 'running');
    for (const old of finished.slice(0, Math.max(0, finished.length - MAX_FINISHED))) this.jobs.delete(old.id);
    return job;
  }

  /** The job if it exists and belongs to `actor`; another actor's job is as unknown as a missing one. */
  get(id: string, actor: string): PopulationJob | undefined {
    const job = this.jobs.get(id);
    return job && job.actor === actor ? job : undefined;
  }

  /** Cancels a running job (it stops at the next batch) and forgets it. */
  remove(job: PopulationJob): void {
    job.controller.abort();
    this.jobs.delete(job.id);
  }
}

const registries = new WeakMap<Repository, PopulationJobs>();

export function populationJobs(repo: Repository): PopulationJobs {
  let jobs = registries.get(repo);
  if (!jobs) registries.set(repo, (jobs = new PopulationJobs()));
  return jobs;
}
