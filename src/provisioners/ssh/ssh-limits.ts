import { FaultlineError } from "../../common/errors";
import type { Applied, LimitName, LimitsControl } from "../../cluster/controls";
import type { Node } from "../../cluster/node-types";
import { shellQuote } from "./remote-scripts";
import { describeExit } from "./ssh-host";
import { hostTool, type SshMember } from "./ssh-member";

/** Lowers nodes' soft limits with the host's prlimit; heal restores what each process had. */
export function sshLimits(cluster: string, memberOf: (name: string) => SshMember): LimitsControl {
  return {
    async lower(nodes: readonly Node[], wanted: Partial<Record<LimitName, number>>): Promise<Applied> {
      const limits = Object.entries(wanted).filter((e): e is [LimitName, number] => e[1] !== undefined);
      const restore: Array<{ member: SshMember; pid: number; name: LimitName; soft: string }> = [];
      const prlimit = async (member: SshMember, args: string[]): Promise<string> => {
        const tool = hostTool(member.on, "prlimit");
        if (!tool)
          throw new FaultlineError({
            code: "FAULTLINE_FAULT_UNSUPPORTED",
            message: `resource limits need prlimit on host ${member.on.connection.host.label}, and its probe found none`,
            hint: "install util-linux on the host",
            cluster,
            node: member.name,
          });
        const result = await member.on.connection.exec([tool, ...args].map(shellQuote).join(" "));
        if (result.code !== 0)
          throw new FaultlineError({
            code: "FAULTLINE_FAULT_FAILED",
            message: `prlimit ${args.join(" ")} on host ${member.on.connection.host.label} failed (${describeExit(result)})`,
            hint: "a process's limits can be changed by its own user or by root",
            cluster,
            node: member.name,
          });
        return result.stdout;
      };
      const undo = async (): Promise<void> => {
        for (const entry of [...restore].reverse()) {
          // A process that exited took its limits with it.
          await prlimit(entry.member, ["--pid", String(entry.pid), `--${entry.name}=${entry.soft}:`]).catch(() => undefined);
        }
      };
      try {
        for (const node of nodes) {
          const member = memberOf(node.name);
          if (!node.pid)
            throw new FaultlineError({
              code: "FAULTLINE_NODE_STATE",
              message: "the node has no process to limit",
              hint: "start it first",
              cluster,
              node: node.name,
            });
          for (const [name, value] of limits) {
            const [soft] = (await prlimit(member, ["--pid", String(node.pid), `--${name}`, "--raw", "--noheadings", "--output", "SOFT"])).trim().split(/\s+/);
            await prlimit(member, ["--pid", String(node.pid), `--${name}=${value}:`]);
            restore.push({ member, pid: node.pid, name, soft: soft! });
          }
        }
      } catch (error) {
        await undo();
        throw error;
      }
      return { undo, mechanism: "prlimit over ssh (soft limit)" };
    },
  };
}
