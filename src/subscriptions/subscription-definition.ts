import type { Extension, Subscription } from '@medplum/fhirtypes';
import { isResourceType } from '../fhir/resource-types.ts';
import { type SubscriptionTopic, subscriptionTopic } from './topics.ts';

/** Extension URLs of the R4 Subscriptions Backport IG (hl7.fhir.uv.subscriptions-backport 1.1.0). */
const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
export const FILTER_CRITERIA_EXTENSION = `${BACKPORT}/backport-filter-criteria`;
export const PAYLOAD_CONTENT_EXTENSION = `${BACKPORT}/backport-payload-content`;
export const HEARTBEAT_PERIOD_EXTENSION = `${BACKPORT}/backport-heartbeat-period`;
export const TIMEOUT_EXTENSION = `${BACKPORT}/backport-timeout`;
export const MAX_COUNT_EXTENSION = `${BACKPORT}/backport-max-count`;

export type PayloadContent = 'empty' | 'id-only' | 'full-resource';
const PAYLOAD_CONTENTS: readonly string[] = ['empty', 'id-only', 'full-resource'];
/** Payload MIME types we send (R4 Subscription.channel.payload). */
const PAYLOAD_TYPES: readonly string[] = ['application/fhir+json', 'application/json'];
/** Headers a subscriber may not set through channel.header: the server owns them. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'upgrade', 'expect']);
/** Longest a subscriber may ask us to wait for its endpoint (backport-timeout), seconds. */
const MAX_TIMEOUT_SECONDS = 60;

export interface SubscriptionChannel {
  type: 'rest-hook' | 'websocket';
  endpoint?: string;
  /** MIME type (R4 channel.payload); absent = notifications without a body. */
  payload?: string;
  /** What a topic-based notification carries (backport-payload-content); default id-only. */
  content: PayloadContent;
  /** `Name: value` pairs from channel.header, sent with every rest-hook call. */
  headers: [string, string][];
  heartbeatSeconds?: number;
  timeoutSeconds?: number;
  /** Most events in one topic-based notification (backport-max-count); absent = all that are waiting. */
  maxCount?: number;
}

/** A Subscription as the delivery worker uses it. */
export interface SubscriptionDefinition {
  id: string;
  versionId: number;
  status: string;
  resourceType: string;
  /** R4 criteria-based: the search of `criteria`; topic-based: the topic's own criteria. */
  query: [string, string][];
  topic?: SubscriptionTopic;
  /** Topic-based: each `backport-filter-criteria` as a search on the topic's type (AND-ed). */
  filters: [string, string][][];
  channel: SubscriptionChannel;
}

export type ParsedSubscription = { ok: true; definition: SubscriptionDefinition } | { ok: false; problem: string };

/**
 * Reads a Subscription (R4 subscription.html and the Backport IG's backport-subscription profile)
 * without looking up search parameters: the shape, the watched type, the topic, the channel. What
 * it refuses, the write rule answers with 422 and the delivery worker with status `error`.
 */
export function parseSubscription(resource: Subscription & { id: string }, versionId: number): ParsedSubscription {
  const fail = (problem: string): ParsedSubscription => ({ ok: false, problem });
  const criteria = typeof resource.criteria === 'string' ? resource.criteria.trim() : undefined;
  if (!criteria) return fail('Subscription.criteria is required: a search (Task?status=completed) or a SubscriptionTopic canonical URL');
  let resourceType: string;
  let query: [string, string][];
  let topic: SubscriptionTopic | undefined;
  const filters: [string, string][][] = [];
  if (/^https?:\/\//.test(criteria)) {
    topic = subscriptionTopic(criteria);
    if (!topic) return fail(`Unknown SubscriptionTopic "${criteria}" (this server offers: https://ecm-fhir.example.org/fhir/SubscriptionTopic/referral-task-status)`);
    resourceType = topic.resourceType;
    query = topic.criteria;
    for (const ext of extensionsOf((resource as { _criteria?: unknown })._criteria).filter((e) => e.url === FILTER_CRITERIA_EXTENSION)) {
      const filter = typeof ext.valueString === 'string' ? ext.valueString.trim() : '';
      const parsed = splitSearch(filter);
      if (!parsed || parsed.type !== topic.resourceType) {
        return fail(`backport-filter-criteria "${filter}" must be a search on ${topic.resourceType}, e.g. ${topic.resourceType}?owner=Organization/123`);
      }
      filters.push(parsed.query);
    }
  } else {
    const parsed = splitSearch(criteria);
    if (!parsed) return fail(`Subscription.criteria "${criteria}" is not a search of the form Type?param=value`);
    if (!isResourceType(parsed.type)) return fail(`Subscription.criteria names an unknown resource type "${parsed.type}"`);
    resourceType = parsed.type;
    query = parsed.query;
  }
  const channel = parseChannel(resource);
  if (typeof channel === 'string') return fail(channel);
  return { ok: true, definition: { id: resource.id, versionId, status: resource.status ?? 'requested', resourceType, query, topic, filters, channel } };
}

/** The extensions of an element (or of a primitive's `_element`), whatever shape the JSON has. */
function extensionsOf(element: unknown): Extension[] {
  const list = (element as { extension?: unknown } | null | undefined)?.extension;
  return Array.isArray(list) ? list.filter((e): e is Extension => !!e && typeof e === 'object') : [];
}

/** `Type?a=1&b=2` (or just `Type`) → the type and its query pairs. */
function splitSearch(text: string): { type: string; query: [string, string][] } | undefined {
  const at = text.indexOf('?');
  const type = at < 0 ? text : text.slice(0, at);
  if (!/^[A-Z][A-Za-z]+$/.test(type)) return undefined;
  const query = at < 0 ? [] : [...new URLSearchParams(text.slice(at + 1)).entries()];
  return { type, query };
}

function parseChannel(resource: Subscription): SubscriptionChannel | string {
  const channel = resource.channel;
  const type = channel?.type;
  if (type !== 'rest-hook' && type !== 'websocket') return `Subscription.channel.type "${type ?? ''}" is not supported (supported: rest-hook, websocket)`;
  const endpoint = typeof channel?.endpoint === 'string' ? channel.endpoint.trim() : undefined;
  if (type === 'rest-hook') {
    if (!endpoint) return 'A rest-hook Subscription needs channel.endpoint (an http or https URL)';
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      return `channel.endpoint "${endpoint}" is not a URL`;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `channel.endpoint must be an http or https URL, got "${url.protocol}"`;
  }
  const payload = (typeof channel?.payload === 'string' && channel.payload.trim()) || undefined;
  if (payload && !PAYLOAD_TYPES.includes(payload)) return `channel.payload "${payload}" is not supported (supported: ${PAYLOAD_TYPES.join(', ')})`;
  const content = extensionsOf((channel as { _payload?: unknown } | undefined)?._payload).find((e) => e.url === PAYLOAD_CONTENT_EXTENSION)?.valueCode ?? 'id-only';
  if (!PAYLOAD_CONTENTS.includes(content)) return `backport-payload-content "${content}" is not one of ${PAYLOAD_CONTENTS.join(' | ')}`;
  const headers: [string, string][] = [];
  for (const line of Array.isArray(channel?.header) ? channel.header : []) {
    if (typeof line !== 'string') return 'channel.header entries must be strings';
    const m = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+):[ \t]*([^\r\n]*)$/.exec(line);
    if (!m) return `channel.header "${line.slice(0, 40)}" is not of the form "Name: value"`;
    if (RESERVED_HEADERS.has(m[1].toLowerCase())) return `channel.header may not set ${m[1]}`;
    headers.push([m[1], m[2]]);
  }
  const channelExtensions = extensionsOf(channel);
  const heartbeat = channelExtensions.find((e) => e.url === HEARTBEAT_PERIOD_EXTENSION)?.valueUnsignedInt;
  if (heartbeat !== undefined && (!Number.isInteger(heartbeat) || heartbeat < 1)) return 'backport-heartbeat-period must be a positive number of seconds';
  const timeout = channelExtensions.find((e) => e.url === TIMEOUT_EXTENSION)?.valueUnsignedInt;
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1 || timeout > MAX_TIMEOUT_SECONDS)) {
    return `backport-timeout must be 1 to ${MAX_TIMEOUT_SECONDS} seconds`;
  }
  const maxCount = channelExtensions.find((e) => e.url === MAX_COUNT_EXTENSION)?.valuePositiveInt;
  if (maxCount !== undefined && (!Number.isInteger(maxCount) || maxCount < 1)) return 'backport-max-count must be a positive integer';
  return { type, endpoint, payload, content: content as PayloadContent, headers, heartbeatSeconds: heartbeat, timeoutSeconds: timeout, maxCount };
}
