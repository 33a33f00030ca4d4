import type { Resource, Task } from '@medplum/fhirtypes';

/**
 * A subscription topic the server offers (R4 Subscriptions Backport IG 1.1.0: R4 has no
 * SubscriptionTopic resource, so topics are canonical URLs the server knows). An event is a new
 * version of `resourceType` that the trigger accepts and that meets the topic's own `criteria`
 * and the subscription's filters (`backport-filter-criteria`), evaluated as searches.
 */
export interface SubscriptionTopic {
  url: string;
  title: string;
  resourceType: string;
  /** The topic's own search criteria (AND-ed with every subscription's filters). */
  criteria: [string, string][];
  /** Whether the change from `previous` (undefined: created) to `current` is an event of this topic. */
  triggered(previous: Resource | undefined, current: Resource): boolean;
}

export const REFERRAL_TASK_STATUS_TOPIC = 'https://ecm-fhir.example.org/fhir/SubscriptionTopic/referral-task-status';

/**
 * Referral Task status changes (issue 9 contract): a referral Task (code task-code|fulfill) was
 * created, or its `status` or `businessStatus` (CLR referral status) changed.
 */
const referralTaskStatus: SubscriptionTopic = {
  url: REFERRAL_TASK_STATUS_TOPIC,
  title: 'Referral Task status changes',
  resourceType: 'Task',
  criteria: [['code', 'http://hl7.org/fhir/CodeSystem/task-code|fulfill']],
  triggered(previous, current) {
    if (!previous) return true;
    const before = previous as Task;
    const after = current as Task;
    return before.status !== after.status || JSON.stringify(before.businessStatus ?? null) !== JSON.stringify(after.businessStatus ?? null);
  },
};

const TOPICS: readonly SubscriptionTopic[] = [referralTaskStatus];

/** The canonical URLs of every topic offered (listed in the CapabilityStatement). */
export const SUBSCRIPTION_TOPIC_URLS: readonly string[] = TOPICS.map((t) => t.url);

export function subscriptionTopic(url: string): SubscriptionTopic | undefined {
  return TOPICS.find((t) => t.url === url);
}
