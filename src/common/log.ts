/**
 * Structured debug logging, enabled with `DEBUG=faultline:*` or `DEBUG=faultline:proxy`.
 * Lines look like `faultline:cluster [etcd/n1] ready in 412ms`.
 */
const enabled = (process.env.DEBUG ?? "")
  .split(/[\s,]+/)
  .filter(Boolean)
  .map((pattern) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`));

export type Logger = (message: string, ...args: unknown[]) => void;

export function logger(namespace: string): Logger {
  const name = `faultline:${namespace}`;
  if (!enabled.some((re) => re.test(name))) return () => undefined;
  return (message, ...args) => {
    process.stderr.write(`${name} ${message}${args.length ? " " + args.map((a) => JSON.stringify(a)).join(" ") : ""}\n`);
  };
}
