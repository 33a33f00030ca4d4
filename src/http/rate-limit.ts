import type { FastifyInstance } from 'fastify';
import { fhirError } from '../fhir/outcome.ts';
import { FHIR_JSON } from './content-negotiation.ts';

interface Bucket {
  tokens: number;
  updated: number;
}

/**
 * A token bucket per key: `perMinute` requests a minute on average, bursts up to `perMinute`.
 * Buckets that have refilled completely are forgotten, so memory follows the active callers.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly ratePerMs: number;
  private lastSweep = 0;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.ratePerMs = perMinute / 60_000;
  }

  /** Takes one token for `key`: 0 when allowed, else the seconds until one is available. */
  take(key: string): number {
    const t = this.now();
    if (t - this.lastSweep > 60_000) this.sweep(t);
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, updated: t };
    b.tokens = Math.min(this.perMinute, b.tokens + (t - b.updated) * this.ratePerMs);
    b.updated = t;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.ratePerMs / 1000));
  }

  private sweep(t: number): void {
    this.lastSweep = t;
    for (const [key, b] of this.buckets) if (b.tokens + (t - b.updated) * this.ratePerMs >= this.perMinute) this.buckets.delete(key);
  }
}

/**
 * Rate limiting per client (issue 5 "Secure defaults"): the token's client id when the request
 * carried a valid token, else the caller's IP. Over the limit → 429 with an OperationOutcome and
 * Retry-After. Registered after the auth hook so the client id is known.
 */
export function registerRateLimit(app: FastifyInstance): void {
  // configFromEnv always sets it (default 6000); a config built in code without it (tests) has no limit.
  const perMinute = app.fhir.config.rateLimitPerMinute;
  if (perMinute === undefined) return;
  const buckets = new TokenBuckets(perMinute);
  app.addHook('onRequest', async (request, reply) => {
    if (reply.sent) return;
    const clientId = request.accessContext?.clientId;
    const wait = buckets.take(clientId ? `client:${clientId}` : `ip:${request.ip}`);
    if (wait === 0) return;
    const e = fhirError(429, 'throttled', `Too many requests: at most ${perMinute} a minute per client; retry in ${wait} s`);
    return reply.code(429).header('Retry-After', String(wait)).type(FHIR_JSON).send(JSON.stringify(e.outcome));
  });
}
