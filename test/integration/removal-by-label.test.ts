import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { requireOrSkip } from "../helpers/requirements";
import { dockerProblem } from "./docker-helpers";
import { registryFile } from "../../src/reaper/registry";
import { sweepDockerObjects } from "../../src/reaper/docker-sweep";

const describeDocker = requireOrSkip("a Docker engine", dockerProblem);

describeDocker("the Docker sweep removes only what carries the dead run's label", () => {
  const docker = new Docker();
  const dead = "d0d0d0";
  const other = "0e0e0e";
  const made: string[] = [];
  let dir: string;

  afterAll(async () => {
    for (const id of made)
      await docker
        .getNetwork(id)
        .remove()
        .catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it("leaves another run's objects, and unlabelled objects named like ours, alone", async () => {
    const create = async (Name: string, Labels: Record<string, string>): Promise<string> => {
      const network = await docker.createNetwork({ Name, Internal: true, Labels });
      made.push(network.id);
      return network.id;
    };
    const ours = await create(`faultline-${dead}-sec`, { "faultline.run": dead });
    const theirs = await create(`faultline-${other}-sec`, { "faultline.run": other });
    const lookalike = await create(`faultline-${dead}-lookalike`, {});
    const prefixed = await create(`faultline-${dead}-prefixed`, { "faultline.run": `${dead}0` });
    // The dead run's registry says it used the local engine.
    dir = mkdtempSync(join(tmpdir(), "faultline-sec-run-"));
    writeFileSync(
      registryFile(dir),
      `${JSON.stringify({ op: "add", key: `dn:${ours}`, resource: { kind: "docker-network", id: ours, name: `faultline-${dead}-sec` } })}\n`,
    );

    const report = await sweepDockerObjects(dir, dead, 0);
    expect(report.failed).toEqual([]);
    const left = new Set((await docker.listNetworks()).map((n) => n.Id));
    expect([ours, theirs, lookalike, prefixed].map((id) => left.has(id))).toEqual([false, true, true, true]);
    expect(report.removed).toEqual([expect.stringContaining(`faultline-${dead}-sec`)]);
  }, 60_000);
});
