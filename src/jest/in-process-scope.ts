import { Timeline } from "../cluster/timeline";
import type { ActiveFault, Fault } from "../cluster/fault";
import { applyRecorded, healAllActive } from "../cluster/recorded-fault";

let counter = 0;

/**
 * Where a test file's in-process faults (http, failpoints in this process, faulty wrappers)
 * live when no cluster holds them: a timeline for the report and the coverage matrix, and the
 * list the setup file heals after each test, even when a body outlived Jest's timeout.
 */
export class InProcessScope {
  /** Reported like a cluster's, under this name. */
  readonly name = "in-process";
  readonly provisioner = "in-process";
  readonly timeline = new Timeline();
  readonly nodes: [] = [];
  readonly histories: [] = [];
  private readonly active: ActiveFault[] = [];

  inject(fault: Fault): Promise<ActiveFault> {
    const id = `${fault.kind}-inproc-${++counter}`;
    return applyRecorded(this.timeline, this.active, fault, id, () => fault.apply(undefined, { id, random: Math.random }));
  }

  /** Heals what a test left active, newest first; continues past errors and rethrows the first. */
  healAll(): Promise<void> {
    return healAllActive(this.active);
  }
}
