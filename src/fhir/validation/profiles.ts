import type { OperationOutcomeIssue, StructureDefinition } from '@medplum/fhirtypes';
import type { Conformance } from '../../conformance/conformance.ts';
import { terminologyFor } from '../terminology/terminology.ts';
import { compileProfile, type CompiledProfile } from './compiled-profile.ts';
import { publishedStructureDefinition } from './core-structure-definitions.ts';
import { validateAgainstProfile, type ProfileValidationContext } from './profile-validator.ts';

/**
 * Profile validation over one Conformance store: our StructureDefinitions (snapshots generated
 * and compiled once, on first use) plus R4 core and the shipped US Core ones, as bases, as
 * extension definitions (us-core-race ...) and for $validate?profile=.
 */
export class ProfileValidator implements ProfileValidationContext {
  readonly terminology;
  private readonly compiledByUrl = new Map<string, CompiledProfile | undefined>();

  constructor(private readonly conformance: Conformance) {
    this.terminology = terminologyFor(conformance);
  }

  /** Our own StructureDefinition (profiles/) for the url, if any. */
  ours(url: string): StructureDefinition | undefined {
    return this.conformance.get<StructureDefinition>('StructureDefinition', url.split('|')[0]);
  }

  definition(url: string): StructureDefinition | undefined {
    return this.ours(url) ?? publishedStructureDefinition(url);
  }

  profile(url: string): CompiledProfile | undefined {
    const key = url.split('|')[0];
    if (this.compiledByUrl.has(key)) return this.compiledByUrl.get(key);
    const sd = this.definition(key);
    // Core extension definitions are not shipped in the bundles we load: those extensions are not checked
    const result = sd ? compileProfile(sd, (u) => this.definition(u)) : undefined;
    this.compiledByUrl.set(key, result);
    return result;
  }

  /** Compiles every profile we hold: snapshot and invariant errors surface at start-up. */
  compileAll(): void {
    for (const sd of this.conformance.structureDefinitions()) if (sd.kind !== 'logical') this.profile(sd.url);
  }

  validate(resource: Record<string, unknown>, url: string): OperationOutcomeIssue[] {
    const profile = this.profile(url);
    if (!profile) throw new Error(`Unknown profile ${url}`);
    return validateAgainstProfile(resource, profile, this);
  }

  /** Issues against every profile of ours the resource claims in meta.profile (others are ignored). */
  validateClaimed(resource: Record<string, unknown>): OperationOutcomeIssue[] {
    const claimed = (resource.meta as { profile?: unknown } | undefined)?.profile;
    if (!Array.isArray(claimed)) return [];
    return claimed.filter((u): u is string => typeof u === 'string' && !!this.ours(u)).flatMap((u) => this.validate(resource, u));
  }
}

const byConformance = new WeakMap<Conformance, ProfileValidator>();

export function profileValidatorFor(conformance: Conformance): ProfileValidator {
  let v = byConformance.get(conformance);
  if (!v) {
    v = new ProfileValidator(conformance);
    byConformance.set(conformance, v);
  }
  return v;
}
