import { FaultlineError } from "../../common/errors";

/** Linux interface names hold at most 15 characters (IFNAMSIZ - 1). */
export const MAX_INTERFACE_NAME = 15;

/**
 * Kernel names for one cluster. Every name starts with `fl-<runId>` so cleanup never touches
 * anything else, and carries a two-character cluster slot `kk` (unique within the run, since
 * parallel Jest workers of one run share its id) and, for veths, a two-character node index:
 *
 * - bridge      `fl-<run>-<kk>`          (12 characters with a 6-character run id)
 * - host veth   `fl-<run>-<kk>-<ii>`     (15: exactly the limit)
 * - namespace   `fl-<run>-<kk>-<node>`   (a file name under /run/netns: no length limit)
 * - chains      `fl-<run>-<kk>-<p|l><n>` (inside our own namespaces; see firewall/chain-names.ts)
 */
export class NetnsNames {
  readonly prefix: string;

  constructor(
    readonly runId: string,
    readonly slot: number,
  ) {
    this.prefix = `fl-${runId}-${base36(slot, 2)}`;
    const longest = `${this.prefix}-zz`;
    if (longest.length > MAX_INTERFACE_NAME || !/^[a-z0-9]+$/i.test(runId)) {
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: `run id "${runId}" cannot name kernel interfaces: "${longest}" must be at most ${MAX_INTERFACE_NAME} alphanumeric-and-dash characters`,
        hint: "run ids are 6 hex characters when runs are begun with beginRun(); do not pass a custom one",
      });
    }
  }

  get bridge(): string {
    return this.prefix;
  }

  veth(index: number): string {
    return `${this.prefix}-${base36(index, 2)}`;
  }

  /** Node names become file names: anything outside [A-Za-z0-9_.-] falls back to the index. */
  namespace(node: { name: string; index: number }): string {
    const safe = /^[A-Za-z0-9_.-]{1,64}$/.test(node.name) ? node.name : `node${node.index}`;
    return `${this.prefix}-${safe}`;
  }

  /** How many clusters a run can hold, and nodes a cluster (two base-36 digits). */
  static readonly capacity = 36 * 36;
}

function base36(value: number, width: number): string {
  return value.toString(36).padStart(width, "0");
}
