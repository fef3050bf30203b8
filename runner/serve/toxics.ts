// Toxiproxy toxics ↔ wirefault faults: validate toxic JSON and turn a proxy's toxics into fault chains.
import { checkProxySection, describeValue, faultsFor, type Protocol, type ResolvedFault } from '../../proxy/index.ts';
import {
  ERR_BAD_REQUEST_BODY,
  ERR_INVALID_STREAM,
  ERR_INVALID_TOXIC_TYPE,
  ERR_TOXIC_ALREADY_EXISTS,
  type ApiError,
} from './api-error.ts';
import { isObject } from './proxy-input.ts';

export type Stream = 'upstream' | 'downstream';

/** A toxic as the API shows it (Toxiproxy's ToxicWrapper JSON). */
export interface Toxic {
  name: string;
  type: string;
  stream: Stream;
  toxicity: number;
  attributes: Record<string, unknown>;
}

type Fault = { name: string; options: Record<string, unknown> };

/**
 * A Toxiproxy toxic type: its attributes (all whole numbers in Toxiproxy, default 0) and the
 * fault it becomes with Toxiproxy's semantics, or undefined when it has no effect.
 */
interface ToxiproxyType {
  defaults: Record<string, number>;
  /** Attributes that must be at least 1 (Toxiproxy misbehaves on 0 rather than rejecting it). */
  positive?: string[];
  fault(a: Record<string, number>): Fault | undefined;
}

const TOXIPROXY_TYPES: Record<string, ToxiproxyType> = {
  noop: { defaults: {}, fault: () => undefined },
  latency: {
    defaults: { latency: 0, jitter: 0 },
    fault: (a) =>
      a.latency === 0 && a.jitter === 0 ? undefined : { name: 'delay', options: { ms: a.latency, jitter_ms: a.jitter } },
  },
  // Toxiproxy's rate is KB/s with 1 KB = 1000 B; a rate of 0 means no limit.
  bandwidth: {
    defaults: { rate: 0 },
    fault: (a) => (a.rate! > 0 ? { name: 'throttle', options: { bytes_per_sec: a.rate! * 1000 } } : undefined),
  },
  // Data stops; the connection closes `timeout` ms later, or never when it is 0.
  timeout: {
    defaults: { timeout: 0 },
    fault: (a) => ({ name: 'blackhole', options: a.timeout! > 0 ? { close_after_ms: a.timeout } : {} }),
  },
  reset_peer: { defaults: { timeout: 0 }, fault: (a) => ({ name: 'reset', options: { after_ms: a.timeout } }) },
  // Pieces of average_size ± size_variation bytes, `delay` microseconds apart.
  slicer: {
    defaults: { average_size: 0, size_variation: 0, delay: 0 },
    positive: ['average_size'],
    fault: (a) => ({
      name: 'split',
      options: {
        min: Math.max(1, a.average_size! - a.size_variation!),
        max: a.average_size! + a.size_variation!,
        gap_ms: a.delay! / 1000,
      },
    }),
  },
  limit_data: { defaults: { bytes: 0 }, fault: (a) => ({ name: 'limit', options: { bytes: a.bytes } }) },
  // The close waits `delay` ms after the data; 0 changes nothing.
  slow_close: {
    defaults: { delay: 0 },
    fault: (a) => (a.delay! > 0 ? { name: 'slow_close', options: { ms: a.delay } } : undefined),
  },
};

/** Fault names the Toxiproxy types become; a type is offered only where its fault exists. */
function toxiproxyTypeWorks(type: ToxiproxyType, protocol: Protocol): boolean {
  const probe = type.fault(Object.fromEntries(Object.keys(type.defaults).map((k) => [k, 1])));
  return probe === undefined || faultsFor(protocol)[probe.name] !== undefined;
}

/** The toxic types a proxy of this protocol takes: Toxiproxy's, then our faults under their own names. */
export function toxicTypes(protocol: Protocol): string[] {
  const ours = Object.keys(faultsFor(protocol));
  const theirs = Object.entries(TOXIPROXY_TYPES)
    .filter(([, t]) => toxiproxyTypeWorks(t, protocol))
    .map(([name]) => name);
  return [...theirs, ...ours.filter((n) => !theirs.includes(n))];
}

function badBody(detail: string): ApiError {
  return ERR_BAD_REQUEST_BODY.with(detail);
}

/** Validate a type's attributes; returns what the API shows and the fault it becomes. */
function resolve(
  type: string,
  given: Record<string, unknown>,
  protocol: Protocol,
): { attributes: Record<string, unknown>; fault: Fault | undefined } {
  // Own keys only: a type named `toString` or `constructor` is unknown, not Object's method.
  const theirs = Object.hasOwn(TOXIPROXY_TYPES, type) ? TOXIPROXY_TYPES[type] : undefined;
  if (theirs) {
    if (!toxiproxyTypeWorks(theirs, protocol)) throw ERR_INVALID_TOXIC_TYPE;
    // Like Toxiproxy (Go's JSON decoder): unknown attributes are ignored, missing ones are 0.
    const attributes: Record<string, number> = { ...theirs.defaults };
    for (const key of Object.keys(theirs.defaults)) {
      const v = given[key];
      if (v === undefined || v === null) continue;
      const min = theirs.positive?.includes(key) ? 1 : 0;
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
        throw badBody(`attributes.${key}: expected a whole number of at least ${min}, found ${describeValue(v)}`);
      }
      attributes[key] = v;
    }
    for (const key of theirs.positive ?? []) {
      if (attributes[key]! < 1) throw badBody(`attributes.${key}: expected a whole number of at least 1, found 0`);
    }
    const fault = theirs.fault(attributes);
    if (fault) checkFault(fault, protocol);
    return { attributes, fault };
  }
  if (!faultsFor(protocol)[type]) throw ERR_INVALID_TOXIC_TYPE;
  if ('probability' in given) {
    throw badBody('attributes.probability: not an attribute here; the toxic\'s "toxicity" is the probability');
  }
  const fault = { name: type, options: given };
  checkFault(fault, protocol);
  return { attributes: given, fault };
}

/** Validate a fault's options with the scenario validator; its key paths become `attributes.KEY`. */
function checkFault(fault: Fault, protocol: Protocol): void {
  const result = checkProxySection({ downstream: [{ [fault.name]: fault.options }] }, protocol, []);
  if (result.ok) return;
  const [first] = result.issues;
  // segments: ['downstream', 0, faultName, ...key]
  const key = first!.segments.slice(3).join('.');
  throw badBody(`attributes${key ? `.${key}` : ''}: expected ${first!.expected}, found ${first!.found}`);
}

function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badBody(`${key}: expected a string, found ${describeValue(v)}`);
  return v;
}

function optionalToxicity(body: Record<string, unknown>): number | undefined {
  const v = body.toxicity;
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
    throw badBody(`toxicity: expected a number from 0 to 1, found ${describeValue(v)}`);
  }
  return v;
}

function optionalAttributes(body: Record<string, unknown>): Record<string, unknown> {
  const v = body.attributes;
  if (v === undefined || v === null) return {};
  if (!isObject(v)) throw badBody(`attributes: expected an object, found ${describeValue(v)}`);
  return v;
}

/**
 * A new toxic from a create body, in Toxiproxy's order of checks: body, stream, default name,
 * type, duplicate name, attributes.
 */
export function parseNewToxic(body: unknown, protocol: Protocol, taken: (name: string) => boolean): Toxic {
  if (!isObject(body)) throw badBody(`expected a JSON object, found ${describeValue(body)}`);
  const streamText = (optionalString(body, 'stream') ?? 'downstream').toLowerCase();
  if (streamText !== 'upstream' && streamText !== 'downstream') throw ERR_INVALID_STREAM;
  const type = optionalString(body, 'type') ?? '';
  const name = optionalString(body, 'name') || `${type}_${streamText}`;
  const toxicity = optionalToxicity(body) ?? 1;
  const given = optionalAttributes(body);
  if (!Object.hasOwn(TOXIPROXY_TYPES, type) && !Object.hasOwn(faultsFor(protocol), type)) throw ERR_INVALID_TOXIC_TYPE;
  if (taken(name)) throw ERR_TOXIC_ALREADY_EXISTS;
  const { attributes } = resolve(type, given, protocol);
  return { name, type, stream: streamText, toxicity, attributes };
}

/**
 * An updated toxic: `attributes` are merged into the old ones, `toxicity` replaced when given;
 * name, type and stream never change (as in Toxiproxy). An attribute set to null is left as it
 * is for Toxiproxy's types (Go's decoder does so) and removed for our own fault types, so that
 * exclusive options (split's size vs min/max) can be switched.
 */
export function updatedToxic(old: Toxic, body: unknown, protocol: Protocol): Toxic {
  if (!isObject(body)) throw badBody(`expected a JSON object, found ${describeValue(body)}`);
  const toxicity = optionalToxicity(body) ?? old.toxicity;
  const merged: Record<string, unknown> = { ...old.attributes };
  for (const [key, value] of Object.entries(optionalAttributes(body))) {
    if (value !== null) merged[key] = value;
    else if (!Object.hasOwn(TOXIPROXY_TYPES, old.type)) delete merged[key];
  }
  const { attributes } = resolve(old.type, merged, protocol);
  return { ...old, toxicity, attributes };
}

/** The fault a validated toxic becomes (with `toxicity` as its probability), if any. */
export function toxicFault(toxic: Toxic, protocol: Protocol): ResolvedFault | undefined {
  const { fault } = resolve(toxic.type, toxic.attributes, protocol);
  if (!fault) return undefined;
  const options: ResolvedFault['options'] = { ...fault.options };
  if (toxic.toxicity < 1) options.probability = toxic.toxicity;
  return { name: fault.name, options };
}

/** A proxy's fault chains: each stream's toxics in the order they were added. */
export function faultChains(toxics: readonly Toxic[], protocol: Protocol): Record<Stream, ResolvedFault[]> {
  const chains: Record<Stream, ResolvedFault[]> = { upstream: [], downstream: [] };
  for (const toxic of toxics) {
    const fault = toxicFault(toxic, protocol);
    if (fault) chains[toxic.stream].push(fault);
  }
  return chains;
}

/** A scenario's fault, shown as a toxic of our own type (for `--config scenario.yaml`). */
export function toxicFromFault(fault: ResolvedFault, stream: Stream, name: string): Toxic {
  const { probability, ...attributes } = fault.options;
  return { name, type: fault.name, stream, toxicity: probability ?? 1, attributes };
}
