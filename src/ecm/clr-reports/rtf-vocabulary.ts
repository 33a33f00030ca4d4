import type { CodeSystem, CodeSystemConcept, Task } from '@medplum/fhirtypes';
import type { Conformance } from '../../conformance/conformance.ts';
import { LOOP_CLOSURE_SYSTEM, REFERRAL_STATUS_SYSTEM } from '../referral/referral-task.ts';

/**
 * The Return Transmission File's CLR elements (X-CLR-RTF) against the referral Task: Referral
 * Status ↔ Task.status + businessStatus (ecm-referral-status), Reason for Referral Loop Closure ↔
 * Task.statusReason (ecm-loop-closure-reason).
 */
export interface ProviderStatus {
  /** The Task.status the provider's status means (an owner status, X-GRAVITY). */
  taskStatus: Task['status'];
  /** The loop closes: the Task takes a statusReason (the row's reason, else `defaultReason`). */
  closing: boolean;
  defaultReason?: string;
}

/** The Referral Status values a provider reports on the RTF, and what each does to the Task. */
export const PROVIDER_STATUSES: Readonly<Record<string, ProviderStatus>> = {
  accepted: { taskStatus: 'accepted', closing: false },
  'outreach-in-progress': { taskStatus: 'in-progress', closing: false },
  declined: { taskStatus: 'rejected', closing: true },
  'declined-by-provider': { taskStatus: 'rejected', closing: true },
  'member-declined': { taskStatus: 'completed', closing: true, defaultReason: 'declined' },
  enrolled: { taskStatus: 'completed', closing: true, defaultReason: 'services-received' },
  'unable-to-reach': { taskStatus: 'failed', closing: true, defaultReason: 'unable-to-reach' },
};

/** The Referral Status an export shows for a Task whose businessStatus has no ecm-referral-status code. */
export const STATUS_OF_TASK: Readonly<Partial<Record<Task['status'], string>>> = {
  draft: 'draft',
  requested: 'submitted',
  accepted: 'accepted',
  'in-progress': 'outreach-in-progress',
  'on-hold': 'pending-information',
  rejected: 'declined',
  completed: 'enrolled',
  failed: 'unable-to-reach',
  cancelled: 'withdrawn',
};

export interface Code {
  code: string;
  display: string;
}

/** A code system's codes found by code or display, case-insensitively, spaces, hyphens and underscores alike. */
export class CodeLookup {
  private readonly byKey = new Map<string, Code>();
  readonly codes: Code[] = [];

  constructor(cs: CodeSystem | undefined) {
    const add = (concepts: CodeSystemConcept[] = []) => {
      for (const c of concepts) {
        if (c.code) {
          const code = { code: c.code, display: c.display ?? c.code };
          this.codes.push(code);
          this.byKey.set(normalized(c.code), code);
          if (c.display && !this.byKey.has(normalized(c.display))) this.byKey.set(normalized(c.display), code);
        }
        add(c.concept);
      }
    };
    add(cs?.concept);
  }

  find(value: string): Code | undefined {
    return this.byKey.get(normalized(value));
  }

  display(code: string): string {
    return this.byKey.get(normalized(code))?.display ?? code;
  }
}

function normalized(value: string): string {
  return value.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

export interface RtfVocabulary {
  statuses: CodeLookup;
  reasons: CodeLookup;
}

export function rtfVocabulary(conformance: Conformance): RtfVocabulary {
  return {
    statuses: new CodeLookup(conformance.get<CodeSystem>('CodeSystem', REFERRAL_STATUS_SYSTEM)),
    reasons: new CodeLookup(conformance.get<CodeSystem>('CodeSystem', LOOP_CLOSURE_SYSTEM)),
  };
}
