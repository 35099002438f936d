import { FaultlineError, describeValue } from "../common/errors";

/** Where a proxy forwards to. */
export interface ProxyUpstream {
  host: string;
  port: number;
}

export function checkPort(port: unknown, option: string, proxy: string, zeroOk: boolean): asserts port is number {
  if (typeof port === "number" && Number.isInteger(port) && port >= (zeroOk ? 0 : 1) && port <= 65535) return;
  throw new FaultlineError({
    code: "FAULTLINE_INVALID_OPTION",
    message: `proxy "${proxy}": ${option} must be an integer port from ${zeroOk ? 0 : 1} to 65535, received ${describeValue(port)}`,
    option,
  });
}

export function checkUpstream(upstream: ProxyUpstream | undefined, proxy: string): ProxyUpstream {
  if (typeof upstream?.host !== "string" || upstream.host.length === 0) {
    throw new FaultlineError({
      code: "FAULTLINE_INVALID_OPTION",
      message: `proxy "${proxy}": upstream.host must be a host name or IP, received ${describeValue(upstream?.host)}`,
      option: "upstream.host",
    });
  }
  checkPort(upstream.port, "upstream.port", proxy, false);
  return { host: upstream.host, port: upstream.port };
}
