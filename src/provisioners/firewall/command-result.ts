/** How a command a firewall or shaper change ran ended: a non-zero `code` (or null: killed, not started) is a failure. */
export interface CommandResult {
  code: number | null;
  stderr: string;
}

/** A change that did not fail: for targets that are gone (a container between restarts), whose next start redoes what is active. */
export const NOTHING_TO_DO: CommandResult = { code: 0, stderr: "" };
