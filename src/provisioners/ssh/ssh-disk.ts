import { FaultlineError } from "../../common/errors";
import type { Applied, DiskControl } from "../../cluster/controls";
import type { Node } from "../../cluster/node-types";
import { shellQuote } from "./remote-scripts";
import { describeExit } from "./ssh-host";
import type { SshMember } from "./ssh-member";

/** The ballast that fills a data dir (disk faults skip files named .faultline-* when they corrupt one). */
const BALLAST = ".faultline-ballast";

/**
 * Read-only and full data dirs on SSH hosts, as on this machine: a read-only bind mount (or a
 * read-only remount of the data dir's own tmpfs) listed in the run's folder so the guardian
 * unmounts it, and ballast on the `disk: { size }` tmpfs the provisioner mounted there.
 */
export function sshDisk(cluster: string, memberOf: (name: string) => SshMember, sized: boolean): DiskControl {
  const run = async (member: SshMember, node: Node, command: string, what: string): Promise<string> => {
    const result = await member.on.connection.exec(command);
    if (result.code !== 0) {
      const denied = /permission denied|not permitted|only root/i.test(result.stderr);
      throw new FaultlineError({
        code: denied ? "FAULTLINE_PERMISSION" : "FAULTLINE_FAULT_FAILED",
        message: `${what} on host ${member.on.connection.host.label} failed (${describeExit(result)})`,
        hint: denied ? "mounts need root on the host: connect as root" : "see the host's answer above; the fault was not applied",
        cluster,
        node: node.name,
      });
    }
    return result.stdout;
  };
  return {
    async readonly(node) {
      const member = memberOf(node.name);
      const dir = shellQuote(node.dataDir);
      const list = shellQuote(`${member.on.dir}/mounts`);
      if (sized) {
        // The data dir is our tmpfs already: remount it read-only, and back.
        await run(member, node, `mount -o remount,ro ${dir}`, "remounting the data dir read-only");
        return {
          mechanism: "read-only remount over ssh",
          undo: async () => void (await run(member, node, `mount -o remount,rw ${dir}`, "remounting the data dir writable")),
        };
      }
      // Listed before it is made, so the guardian unmounts it if this process dies right after.
      await run(
        member,
        node,
        `printf '%s\\n' ${dir} >> ${list} && mount --bind ${dir} ${dir} && { mount -o remount,bind,ro ${dir} || { umount -l ${dir}; exit 1; }; }`,
        "bind-mounting the data dir read-only",
      );
      return {
        mechanism: "read-only bind mount over ssh",
        undo: async () =>
          void (await run(member, node, `umount -l ${dir} && sed -i ${shellQuote(`\\#^${node.dataDir}$#d`)} ${list}`, "unmounting the read-only data dir")),
      };
    },
    async fill(node): Promise<Applied> {
      const member = memberOf(node.name);
      if (!sized)
        throw new FaultlineError({
          code: "FAULTLINE_FAULT_UNSUPPORTED",
          message: "a full disk needs the data dirs on a size-limited filesystem, and this cluster does not declare one",
          hint: 'add disk: { size: "64m" } to the cluster (root on the hosts: each data dir becomes a tmpfs of that size) — faultline never fills a real disk',
          cluster,
          node: node.name,
          option: "disk.size",
        });
      const dir = shellQuote(node.dataDir);
      const ballast = shellQuote(`${node.dataDir}/${BALLAST}`);
      // Checked on the host, not assumed: writing until ENOSPC anywhere else would fill a real disk.
      await run(
        member,
        node,
        `[ "$(stat -f -c %T ${dir})" = tmpfs ] && mountpoint -q ${dir} || { echo "the data dir is not a tmpfs mount of its own" >&2; exit 1; }; dd if=/dev/zero of=${ballast} bs=1M 2>/dev/null; dd if=/dev/zero of=${ballast} bs=4k oflag=append conv=notrunc 2>/dev/null; exit 0`,
        "filling the data dir",
      );
      return { mechanism: "tmpfs ballast over ssh", undo: async () => void (await run(member, node, `rm -f ${ballast}`, "removing the ballast")) };
    },
  };
}
