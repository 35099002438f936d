import { FaultlineError } from "../../common/errors";
import type { Registry } from "../../reaper/registry";
import { isAlreadyGone, runCommand } from "./ip-commands";

export interface UndoEntry {
  argv: string[];
  label: string;
  unregister: () => void;
}

/**
 * Undo commands for kernel objects, each registered with the reaper so the watchdog can run it
 * if Jest dies. Entries are registered *before* the object is created: a crash in between then
 * leaves an undo for an object that never existed (harmless), never an object without an undo.
 */
export class UndoStack {
  private readonly entries: UndoEntry[] = [];

  constructor(private readonly registry: Registry) {}

  push(argv: string[], label: string): UndoEntry {
    const entry = { argv, label, unregister: this.registry.add({ kind: "command", argv, label }) };
    this.entries.push(entry);
    return entry;
  }

  /** Whether an entry is still pending (its object may still exist). */
  has(entry: UndoEntry): boolean {
    return this.entries.includes(entry);
  }

  /** Runs one entry now (or drops it once its object is known gone) and unregisters it. */
  async run(entry: UndoEntry): Promise<void> {
    const index = this.entries.indexOf(entry);
    if (index < 0) return;
    const result = await runCommand(entry.argv);
    if (result.code !== 0 && !isAlreadyGone(result)) {
      throw new FaultlineError({
        code: "FAULTLINE_TEARDOWN",
        message: `could not remove ${entry.label}: \`${entry.argv.join(" ")}\` exited ${result.code}: ${result.stderr}`,
        hint: "the run's watchdog retries when the run ends; run npx faultline doctor to see what this machine allows",
      });
    }
    this.forget(entry);
  }

  /** Drops an entry whose object was removed by other means (e.g. with its namespace). */
  forget(entry: UndoEntry): void {
    const index = this.entries.indexOf(entry);
    if (index < 0) return;
    this.entries.splice(index, 1);
    entry.unregister();
  }

  /** Runs every entry newest first, continuing past failures; rethrows the first. */
  async unwind(): Promise<void> {
    let first: unknown;
    for (const entry of [...this.entries].reverse()) {
      try {
        await this.run(entry);
      } catch (error) {
        first ??= error;
        // Keep the registration: the reaper retries it if we cannot.
        this.entries.splice(this.entries.indexOf(entry), 1);
      }
    }
    if (first) throw first;
  }
}
