import http from "node:http";
import https from "node:https";

/** The properties HTTP interceptors (nock's among them) replace on Node's core modules. */
const PATCHABLE = [
  [http, ["request", "get", "ClientRequest"]],
  [https, ["request", "get"]],
] as const;

/**
 * Takes a copy of Node's HTTP entry points; the returned function puts them back if something
 * replaced them since. Jest gives each test file a fresh module registry but shares core modules
 * across the files of a worker, so a file that imports nock and never restores it would route
 * every later file's requests (the recipe clients', dockerode's) through its interceptor.
 * Returns the names it restored.
 */
export function guardCoreHttp(): () => string[] {
  const saved = PATCHABLE.map(([module, keys]) => keys.map((key) => [module, key, (module as Record<string, unknown>)[key]] as const)).flat();
  return () => {
    const restored: string[] = [];
    for (const [module, key, original] of saved) {
      const target = module as Record<string, unknown>;
      if (target[key] !== original) {
        target[key] = original;
        restored.push(`${module === http ? "http" : "https"}.${key}`);
      }
    }
    return restored;
  };
}
