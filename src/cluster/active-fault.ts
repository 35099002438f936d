import type { ActiveFault } from "./fault";
import type { Grudge } from "./grudge";

export interface ActiveFaultInit {
  id: string;
  kind: string;
  description: string;
  targets: readonly string[];
  /** How the fault was made real, for the timeline ("signal", "iptables", "proxy", …). */
  mechanism?: string;
  grudge?: Grudge;
  undo: () => Promise<void>;
}

/** An applied fault whose heal runs its undo exactly once, however often it is called. */
export function activeFault(init: ActiveFaultInit): ActiveFault & { mechanism?: string; grudge?: Grudge } {
  let healing: Promise<void> | undefined;
  let healed = false;
  const heal = (): Promise<void> => {
    healing ??= init.undo().then(() => {
      healed = true;
    });
    return healing;
  };
  return {
    id: init.id,
    kind: init.kind,
    description: init.description,
    targets: init.targets,
    mechanism: init.mechanism,
    grudge: init.grudge,
    get healed() {
      return healed;
    },
    heal,
    [Symbol.asyncDispose]: heal,
  };
}
