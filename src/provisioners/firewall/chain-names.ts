import { FaultlineError } from "../../common/errors";
/** iptables chain names hold at most 28 characters. */
export const MAX_CHAIN_NAME = 28;

/** What a chain is for: `p` a partition, `l` a loss. */
export type ChainKind = "p" | "l";

/**
 * Names of fault chains: `<prefix>-<p|l><n>`, where the prefix starts with `fl-<runId>` so the
 * reaper and people can tell the run's chains from anything else, and `n` counts up per backend.
 * One fault makes one chain per node it touches; each chain is its own, so undoing a fault never
 * touches another fault's rules.
 */
export class ChainNames {
  private serial = 0;

  constructor(readonly prefix: string) {
    if (!/^fl-[a-z0-9-]+$/i.test(prefix))
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: `chain prefix ${JSON.stringify(prefix)} must start with fl- and hold only letters, digits and dashes`,
        hint: "faultline names its own chains fl-<run>-…",
      });
  }

  next(kind: ChainKind): string {
    const name = `${this.prefix}-${kind}${++this.serial}`;
    if (name.length > MAX_CHAIN_NAME)
      throw new FaultlineError({
        code: "FAULTLINE_INVALID_OPTION",
        message: `chain name ${name} exceeds ${MAX_CHAIN_NAME} characters`,
        hint: "use shorter node names (iptables chain names hold 28 characters)",
      });
    return name;
  }
}
