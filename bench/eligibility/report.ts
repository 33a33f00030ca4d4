import type { MachineInfo } from '../machine.ts';
import type { Measurement } from '../search/measure.ts';
import type { Population } from './database.ts';
import type { EligibilityBenchOptions } from './options.ts';
import type { PopulationMeasurement } from './population.ts';
import { SINGLE_P95_GOAL_MS, type SampleCheck } from './single.ts';

/** Issue 6: the 100,000-member population run in under 60 s and 1 GB RSS. */
export const POPULATION_GOAL_SECONDS = 60;
export const RSS_GOAL_BYTES = 1024 ** 3;
export const FULL_SIZE_MEMBERS = 100_000;
/** Below this share of eligible members the population hardly exercises the rules that decide eligibility. */
const FEW_ELIGIBLE = 0.01;

export interface EligibilityReport {
  machine: MachineInfo;
  command: string;
  options: EligibilityBenchOptions;
  database?: { name: string; kept: boolean };
  population?: Population;
  dataset?: { perType: Record<string, number>; total: number; pretty: string };
  run?: PopulationMeasurement;
  sample?: SampleCheck;
  single?: Measurement;
  failure?: string;
}

const int = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');
const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const mib = (b: number | undefined) => (b === undefined ? '–' : `${int(b / 1024 ** 2)} MiB`);
const pct = (v: number | undefined) => (v === undefined ? '–' : `${v.toFixed(0)} %`);
const share = (n: number, of: number) => (of > 0 ? `${((100 * n) / of).toFixed(1)} %` : '–');

type Status = 'met' | 'not met' | 'not measured' | string;

function sizeNote(r: EligibilityReport): string | undefined {
  return r.options.members < FULL_SIZE_MEMBERS ? `not measured at full size (${int(r.options.members)} members)` : undefined;
}

export function goals(r: EligibilityReport): { label: string; status: Status }[] {
  const run = r.run;
  const single = r.single;
  const small = sizeNote(r);
  return [
    {
      label: `Population run over 100,000 members < ${POPULATION_GOAL_SECONDS} s`,
      status: !run ? 'not measured' : small ?? (run.seconds < POPULATION_GOAL_SECONDS ? 'met' : 'not met'),
    },
    {
      label: 'Server peak RSS during the population run < 1 GB',
      status: !run || run.peakRssBytes === undefined ? 'not measured' : small ?? (run.peakRssBytes < RSS_GOAL_BYTES ? 'met' : 'not met'),
    },
    {
      label: `Single-member \`$ecm-eligibility\` p95 < ${SINGLE_P95_GOAL_MS} ms at ${r.options.connections} connections`,
      status: !single ? 'not measured' : single.non2xx + single.errors > 0 ? 'not met (errors)' : `${single.p95 < SINGLE_P95_GOAL_MS ? 'met' : 'not met'}${small ? ` (on ${int(r.options.members)} members)` : ''}`,
    },
  ];
}

function exercised(r: EligibilityReport): string[] {
  const run = r.run;
  if (!run) return [];
  const lines = ['', '## Does the population exercise eligibility?', ''];
  lines.push(`${int(run.eligible)} of ${int(run.evaluated)} evaluated members are eligible (${share(run.eligible, run.evaluated)}).`);
  if (run.eligible < FEW_ELIGIBLE * run.evaluated) {
    lines.push(
      '',
      `**Almost no generated member is eligible**: the run evaluates every rule for every member, but the list, the priority score and the downloads ` +
        'are built for very few. The generator (seed/population) lacks what the rules require (see the sample below for the POFs and criteria that are never met).',
    );
  }
  if (run.eligible > 0) {
    lines.push('', '| POF met (eligible members) | Members |', '|---|---:|');
    for (const [code, n] of Object.entries(run.perPof).sort()) lines.push(`| ${code} | ${int(n)} |`);
    lines.push('', `Risk tiers: ${Object.entries(run.perTier).sort().map(([t, n]) => `${t} ${int(n)}`).join(', ')}.`);
  }
  const s = r.sample;
  if (s) {
    lines.push(
      '',
      `Sample of ${int(s.members)} members asked one by one (\`Patient/[id]/$ecm-eligibility\`, spread over the population): ` +
        `ELIG-BASE met by ${int(s.baseMet)}, eligible ${int(s.eligible)}.`,
      '',
      '| POF met (any member of the sample, eligible or not) | Members |',
      '|---|---:|',
    );
    for (const [code, n] of Object.entries(s.pofMet).sort()) lines.push(`| ${code} | ${int(n)} |`);
    const never = Object.entries(s.pofMet).filter(([, n]) => n === 0).map(([code]) => code).sort();
    if (never.length > 0) lines.push('', `POFs no member of the sample meets: ${never.join(', ')} (${never.length} of ${Object.keys(s.pofMet).length}).`);
    const excl = Object.entries(s.exclusions).sort();
    lines.push('', `Exclusions applying in the sample: ${excl.length === 0 ? 'none' : excl.map(([c, n]) => `${c} ${int(n)}`).join(', ')}.`);
    lines.push(
      '',
      s.disagreements.length === 0
        ? `Every answer of the sample agrees with the population run's list (eligible or not, and the POFs met).`
        : `**${s.disagreements.length} member(s) of the sample disagree with the population run's list:** ${s.disagreements.slice(0, 10).join('; ')}`,
    );
  }
  return lines;
}

export function renderEligibilityMarkdown(r: EligibilityReport): string {
  const o = r.options;
  const lines: string[] = [
    '# Eligibility benchmark results',
    '',
    'Generated by `npm run bench:eligibility` (bench/README.md, "Eligibility benchmark"); rewritten on every run.',
    '',
    `- Date: ${r.machine.date}`,
    `- Machine: ${r.machine.cores} cores (${r.machine.cpuModel}), ${r.machine.memory} RAM, Node ${r.machine.node}`,
  ];
  if (r.population) {
    const info = r.population.info;
    lines.push(`- PostgreSQL: ${info.version.split(',')[0]}; ${Object.entries(info.settings).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  }
  lines.push(`- Command: \`${r.command}\``);
  if (r.database) {
    const origin = r.population?.origin;
    const how = !origin
      ? ''
      : origin.kind === 'copy'
        ? `: a copy of \`${origin.template}\` (the search benchmark's kept population, \`CREATE DATABASE ... TEMPLATE\`, ${origin.seconds.toFixed(0)} s` +
          `${origin.staleIndexer ? '; loaded under earlier src/store/migrations, src/store/indexing or src/fhir/search code, migrated by the server at start' : ''})`
        : `: loaded by this run through the search benchmark's loader in ${origin.load.seconds.toFixed(0)} s (not copied: ${origin.whyNotCopied})`;
    lines.push(`- Database: \`${r.database.name}\`${how}, ${r.database.kept ? 'kept (BENCH_ELIG_KEEP)' : 'dropped after the run'}`);
  }
  lines.push(`- Evaluation date: ${o.date} (the generator's anchor: its 18-month history ends there)`);
  lines.push('- Server: `bench/server.ts` as a child process (built as `npm start` builds it; authorization, audit and rate limit off); server, PostgreSQL and client share the machine');
  if (r.failure) lines.push('', `**The run stopped early: ${r.failure}**`);

  lines.push('', '## Dataset', '');
  lines.push(`${int(o.members)} generated members (seed ${o.seed}, seed/population), about 20 resources each.`);
  if (r.dataset) {
    lines.push('', '| Resource type | Resources |', '|---|---:|');
    for (const [type, n] of Object.entries(r.dataset.perType)) lines.push(`| ${type} | ${int(n)} |`);
    lines.push(`| **Total** | **${int(r.dataset.total)}** |`, '', `Database size: ${r.dataset.pretty}.`);
  }

  const run = r.run;
  lines.push('', '## Population run: `POST [base]/$ecm-eligibility`, `Prefer: respond-async`', '');
  if (run) {
    lines.push(
      'From the POST to the first status answer other than 202 (polled every 200 ms), on a freshly started server.',
      '',
      '| Members | Evaluated | Skipped (no Coverage) | Eligible | Wall time | Members/s | Server peak RSS (VmHWM) | RSS before | Highest RSS sampled (100 ms) |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      `| ${int(run.members)} | ${int(run.evaluated)} | ${int(run.skipped)} | ${int(run.eligible)} | ${run.seconds.toFixed(1)} s | **${int(run.members / run.seconds)}** | **${mib(run.peakRssBytes)}** | ${mib(run.rssBeforeBytes)} | ${mib(run.rssSampledPeakBytes)} |`,
      '',
      `CPU meanwhile (% of one core): server ${pct(run.cpu.pids.server)}, PostgreSQL ${pct(run.cpu.postgres)}, benchmark client ${pct(run.cpu.loadGenerator)}, other processes ${pct(run.cpu.other)}.`,
    );
    if ((run.cpu.other ?? 0) > 25) lines.push('', '**Disturbed:** other processes used more than a quarter of a core during the run; the time is worse than on a quiet machine.');
  } else lines.push('Not measured.');

  lines.push(...exercised(r));

  const m = r.single;
  lines.push('', '## Single member: `GET Patient/[id]/$ecm-eligibility?date=`', '');
  if (m) {
    lines.push(
      `autocannon, ${o.connections} connections, ${o.duration} s after ${o.warmup} s of warm-up, cycling through ${int(Math.min(o.distinctMembers, o.members))} distinct members spread over the population.`,
      '',
      '| Requests/s | p50 ms | p95 ms | p99 ms | Requests | Errors |',
      '|---:|---:|---:|---:|---:|---:|',
      `| ${int(m.rps)} | ${ms(m.p50)} | **${ms(m.p95)}** | ${ms(m.p99)} | ${int(m.requests)} | ${int(m.non2xx + m.errors)} |`,
      '',
      `CPU meanwhile (% of one core): server ${pct(m.cpu.pids.server)}, PostgreSQL ${pct(m.cpu.postgres)}, load generator ${pct(m.cpu.loadGenerator)}, other processes ${pct(m.cpu.other)}.`,
    );
    if (m.errorSample) lines.push('', `First error response ${m.errorSample.status}: ${m.errorSample.body.replace(/\s+/g, ' ').slice(0, 200)}`);
  } else lines.push('Not measured.');

  lines.push('', '## Goals (issue 6)', '', '| Goal | Status |', '|---|---|');
  for (const g of goals(r)) lines.push(`| ${g.label} | ${g.status} |`);
  return lines.join('\n');
}

export function renderEligibilitySummary(r: EligibilityReport): string {
  const lines: string[] = [];
  if (r.run) {
    lines.push(
      `population: ${int(r.run.members)} members in ${r.run.seconds.toFixed(1)} s (${int(r.run.members / r.run.seconds)}/s), peak RSS ${mib(r.run.peakRssBytes)}, ` +
        `eligible ${int(r.run.eligible)} of ${int(r.run.evaluated)}`,
    );
  }
  if (r.single) lines.push(`single:     ${int(r.single.rps)} req/s  p50 ${ms(r.single.p50)}  p95 ${ms(r.single.p95)}  p99 ${ms(r.single.p99)} ms`);
  for (const g of goals(r)) lines.push(`${g.label}: ${g.status}`);
  return lines.join('\n');
}
