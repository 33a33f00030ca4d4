/**
 * `npm run bench:validation`: the cost of validating Referral Tasks (issue 4), in-process, no
 * server: base-spec structural validation, profile validation against ecm-referral-task, and
 * both as create/update run them; for conforming Tasks and for a non-conforming variant.
 * Writes bench/VALIDATION-RESULTS.md (bench/README.md).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OperationOutcomeIssue, Task } from '@medplum/fhirtypes';
import { loadConformance } from '../../src/conformance/conformance.ts';
import { resourceBody } from '../../src/fhir/interactions/resource-body.ts';
import { FhirError } from '../../src/fhir/outcome.ts';
import { loadR4Definitions } from '../../src/fhir/validation/definitions.ts';
import { passesFastStructureCheck } from '../../src/fhir/validation/fast-structure-check.ts';
import { profileValidatorFor } from '../../src/fhir/validation/profiles.ts';
import { structuralIssues } from '../../src/fhir/validation/validate-resource.ts';
import { cpuSnapshot, cpuUsage, waitForQuiet } from '../cpu.ts';
import { machineInfo } from '../machine.ts';
import { measureValidation, warmUpValidation } from './measure.ts';
import { validationOptionsFromEnv } from './options.ts';
import { nonConformingTask, REFERRAL_TASK_PROFILE, referralTasks } from './referral-tasks.ts';
import { type CaseRun, type ValidationReport, renderValidationMarkdown, renderValidationSummary } from './report.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const log = (message: string) => process.stderr.write(`[bench:validation] ${message}\n`);

type Json = Record<string, unknown>;
const isError = (i: OperationOutcomeIssue) => i.severity === 'error' || i.severity === 'fatal';

function describeIssue(i: OperationOutcomeIssue): string {
  return `${i.severity} ${i.code}: ${i.diagnostics ?? i.details?.text ?? ''}${i.expression ? ` (${i.expression.join(', ')})` : ''}`;
}

function command(): string {
  const env = Object.entries(process.env)
    .filter(([k]) => ['BENCH_DURATION', 'BENCH_WARMUP', 'BENCH_QUIET_WAIT'].includes(k) || k.startsWith('BENCH_VALIDATION_'))
    .map(([k, v]) => `${k}=${v ?? ''}`);
  return [...env, process.env.npm_lifecycle_event === 'bench:validation' ? 'npm run bench:validation' : 'npx tsx bench/validation/run.ts'].join(' ');
}

const options = validationOptionsFromEnv();
const started = performance.now();
loadR4Definitions();
const conformance = loadConformance();
const validator = profileValidatorFor(conformance);
validator.compileAll();
const startupSeconds = (performance.now() - started) / 1000;

/** The write path of create and update for a Task body; answers the number of error issues of the 400/422 it would send. */
function writePathErrors(task: Json): number {
  try {
    resourceBody(task, 'Task', conformance);
    return 0;
  } catch (err) {
    if (err instanceof FhirError) return err.outcome.issue?.length ?? 1;
    throw err;
  }
}

const CASES: { name: string; label: string; validate: (task: Json) => number }[] = [
  { name: 'structural', label: 'Structural (base spec): `structuralIssues`', validate: (t) => structuralIssues(t).length },
  { name: 'profile', label: 'Profile ecm-referral-task: `validateClaimed`', validate: (t) => validator.validateClaimed(t).filter(isError).length },
  { name: 'write path', label: 'Both, as create/update: `resourceBody` (structural, then claimed profiles)', validate: writePathErrors },
];

const valid = referralTasks(options.tasks) as unknown as Json[];
const invalid = (valid as unknown as Task[]).map(nonConformingTask) as unknown as Json[];

// Before any timing: the conforming Tasks pass with no issue at all, the others fail the profile only.
for (const t of valid) {
  const issues = [...structuralIssues(t), ...validator.validateClaimed(t)];
  if (issues.length > 0) throw new Error(`generated Task ${String(t.id)} does not conform: ${issues.map(describeIssue).join('; ')}`);
}
for (const t of invalid) {
  const structural = structuralIssues(t);
  if (structural.length > 0) throw new Error(`non-conforming Task ${String(t.id)} fails structural validation: ${structural.map(describeIssue).join('; ')}`);
  if (!validator.validateClaimed(t).some(isError)) throw new Error(`non-conforming Task ${String(t.id)} passes the profile`);
}
let nonConformingIssues: string[] = [];
try {
  resourceBody(invalid[0], 'Task', conformance);
  throw new Error('the write path accepted a non-conforming Task');
} catch (err) {
  if (!(err instanceof FhirError) || err.status !== 422) throw err;
  nonConformingIssues = (err.outcome.issue ?? []).map(describeIssue);
}
log(`${valid.length} conforming and ${invalid.length} non-conforming Tasks checked; start-up ${startupSeconds.toFixed(2)} s`);

const statuses: Record<string, number> = {};
for (const t of valid) statuses[String(t.status)] = (statuses[String(t.status)] ?? 0) + 1;
const report: ValidationReport = {
  machine: machineInfo(),
  command: command(),
  options,
  profile: REFERRAL_TASK_PROFILE,
  startupSeconds,
  statuses,
  fastPathShare: valid.filter((t) => passesFastStructureCheck(t)).length / valid.length,
  nonConformingIssues,
  runs: [],
};

try {
  for (const [variant, tasks] of [['valid', valid], ['non-conforming', invalid]] as const) {
    for (const c of CASES) {
      if (options.quietWait > 0) {
        const q = await waitForQuiet(options.quietWait);
        if (!q.quiet) log(`  the machine is still ${Math.round(q.busy ?? 0)} % busy after ${q.waited.toFixed(0)} s; measuring anyway`);
      }
      log(`${c.name}, ${variant}: ${options.duration} s`);
      warmUpValidation(tasks, c.validate, options.warmup);
      const before = cpuSnapshot({});
      const result = measureValidation(tasks, c.validate, options.duration);
      const run: CaseRun = { caseName: c.name, caseLabel: c.label, variant, result, cpu: cpuUsage(before, cpuSnapshot({})) };
      report.runs.push(run);
      log(`  ${Math.round(result.resourcesPerSecond)} resources/s, ${result.meanMicros.toFixed(1)} µs/resource`);
    }
  }
} catch (err) {
  report.failure = err instanceof Error ? err.message : String(err);
  process.exitCode = 1;
}

writeFileSync(resolve(ROOT, options.resultsPath), renderValidationMarkdown(report) + '\n');
process.stdout.write(`\n${renderValidationSummary(report)}\n\nwritten to ${options.resultsPath}\n`);
