import { REJECT, accept, defineModel, type Model } from "./model";

const ACQUIRES = new Set(["acquire", "lock"]);
const RELEASES = new Set(["release", "unlock"]);

/**
 * A lock. Operations: `acquire`/`lock` (succeeds only when free) and `release`/`unlock`
 * (only when held). Record a refused acquire as `fail`.
 */
export function mutex(): Model<boolean> {
  return defineModel<boolean>({
    name: "mutex",
    init: () => false,
    step: (held, input) => {
      if (ACQUIRES.has(input.f)) return held ? REJECT : accept(true);
      if (RELEASES.has(input.f)) return held ? accept(false) : REJECT;
      return REJECT;
    },
    equal: (a, b) => a === b,
    describe: (held) => (held ? "held" : "free"),
    explain: (held, input) =>
      ACQUIRES.has(input.f)
        ? held
          ? "acquire needs the lock free; someone holds it"
          : undefined
        : held
          ? undefined
          : "release needs the lock held; it is free",
    functions: [...ACQUIRES, ...RELEASES],
  });
}
