import { FaultlineError, describeValue } from "../common/errors";
import { toMs } from "../common/duration";
import type { ProxyToxic, ResolvedAttributes, ToxicType } from "./toxic-spec";

const TYPES: readonly ToxicType[] = ["latency", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer", "limit_data", "down"];

/** Reads one toxic's attributes; throws FAULTLINE_INVALID_OPTION naming what is wrong. */
class AttributeReader {
  constructor(
    private readonly type: string,
    private readonly attributes: Record<string, unknown>,
    private readonly proxy: string | undefined,
  ) {}

  duration(name: string, fallback?: number): number {
    const value = this.attributes[name];
    if (value === undefined && fallback !== undefined) return fallback;
    try {
      return toMs(value);
    } catch {
      throw this.fail(name, 'a duration: milliseconds >= 0, or a string such as "250ms" or "2s"', value);
    }
  }

  number(name: string, form: string, valid: (n: number) => boolean, fallback?: number): number {
    const value = this.attributes[name];
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== "number" || !Number.isFinite(value) || !valid(value)) throw this.fail(name, form, value);
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.attributes[name];
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") throw this.fail(name, "true or false", value);
    return value;
  }

  fail(name: string, form: string, value: unknown): FaultlineError {
    return invalid(`toxic "${this.type}": attribute "${name}" must be ${form}, received ${describeValue(value)}`, `attributes.${name}`, this.proxy);
  }
}

function invalid(message: string, option: string, proxy: string | undefined, hint?: string): FaultlineError {
  return new FaultlineError({
    code: "FAULTLINE_INVALID_OPTION",
    message: proxy !== undefined ? `${message} (proxy "${proxy}")` : message,
    option: `toxic.${option}`,
    hint: hint ?? "toxics follow Toxiproxy's attributes; see ToxicSpec in faultline/proxy for each type's fields",
  });
}

const isInteger = (n: number): boolean => Number.isInteger(n);

function resolveAttributes<T extends ToxicType>(type: T, read: AttributeReader): ResolvedAttributes[T];
function resolveAttributes(type: ToxicType, read: AttributeReader): ResolvedAttributes[ToxicType] {
  switch (type) {
    case "latency":
      return { latency: read.duration("latency"), jitter: read.duration("jitter", 0) };
    case "bandwidth":
      return { rate: read.number("rate", "a number of KB/s > 0", (n) => n > 0) };
    case "slow_close":
      return { delay: read.duration("delay") };
    case "timeout":
      return { timeout: read.duration("timeout") };
    case "reset_peer":
      return { timeout: read.duration("timeout", 0) };
    case "slicer": {
      const averageSize = read.number("averageSize", "an integer number of bytes >= 1", (n) => isInteger(n) && n >= 1);
      const sizeVariation = read.number(
        "sizeVariation",
        `an integer number of bytes >= 0 and below averageSize (${averageSize})`,
        (n) => isInteger(n) && n >= 0 && n < averageSize,
        0,
      );
      const delay = read.number("delay", "a number of microseconds >= 0", (n) => n >= 0, 0);
      return { averageSize, sizeVariation, delay };
    }
    case "limit_data":
      return { bytes: read.number("bytes", "an integer number of bytes >= 0", (n) => isInteger(n) && n >= 0) };
    case "down":
      return { cutExisting: read.boolean("cutExisting", false) };
  }
}

/**
 * Validates a {@link ToxicSpec} given by a user (or built by a fault) and fills in defaults.
 * The id is `spec.name` or `<type>_<direction>`; the proxy makes it unique.
 */
export function resolveToxic(spec: unknown, proxy?: string): ProxyToxic {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    throw invalid(`a toxic must be an object such as { type: "latency", attributes: { latency: 100 } }, received ${describeValue(spec)}`, "type", proxy);
  }
  const raw = spec as Record<string, unknown>;
  const type = raw.type;
  if (typeof type !== "string" || !(TYPES as readonly string[]).includes(type)) {
    throw invalid(`toxic type must be one of ${TYPES.map((t) => `"${t}"`).join(", ")}, received ${describeValue(type)}`, "type", proxy);
  }
  const direction = raw.direction ?? "downstream";
  if (direction !== "upstream" && direction !== "downstream") {
    throw invalid(
      `toxic "${type}": direction must be "upstream" (client -> server) or "downstream" (server -> client), received ${describeValue(direction)}`,
      "direction",
      proxy,
    );
  }
  const toxicity = raw.toxicity ?? 1;
  if (typeof toxicity !== "number" || !(toxicity >= 0 && toxicity <= 1)) {
    throw invalid(
      `toxic "${type}": toxicity must be a number from 0 to 1 (share of connections affected), received ${describeValue(toxicity)}`,
      "toxicity",
      proxy,
    );
  }
  const name = raw.name;
  if (name !== undefined && (typeof name !== "string" || name.length === 0)) {
    throw invalid(`toxic "${type}": name must be a non-empty string, received ${describeValue(name)}`, "name", proxy);
  }
  const attributes = raw.attributes ?? {};
  if (typeof attributes !== "object" || attributes === null || Array.isArray(attributes)) {
    throw invalid(`toxic "${type}": attributes must be an object, received ${describeValue(attributes)}`, "attributes", proxy);
  }
  const read = new AttributeReader(type, attributes as Record<string, unknown>, proxy);
  return {
    id: name ?? `${type}_${direction}`,
    type,
    direction,
    toxicity,
    attributes: resolveAttributes(type as ToxicType, read),
  } as ProxyToxic;
}
