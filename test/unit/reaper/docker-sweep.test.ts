import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "../../../src/reaper/registry";
import { dockerUse } from "../../../src/reaper/docker-sweep";

describe("dockerUse (which engines a dead run's Docker sweep must visit)", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "fl-docker-use-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("names no engine for a run that never registered a Docker object, so Docker is never contacted", () => {
    new Registry(dir).add({ kind: "process-group", pgid: 2 ** 22 + 5, label: "a node" });
    expect(dockerUse(dir)).toEqual({ hosts: new Set(), live: false });
    expect(dockerUse(join(dir, "missing"))).toEqual({ hosts: new Set(), live: false });
  });

  it("names every engine the run used, removed objects included, and says whether any is still registered", () => {
    const registry = new Registry(dir);
    const gone = registry.add({ kind: "docker-network", id: "fl-ab12-net", label: "network" });
    registry.add({ kind: "docker-container", id: "fl-ab12-net-n1", label: "container", dockerHost: "tcp://10.0.0.5:2375" });
    gone();
    expect(dockerUse(dir)).toEqual({ hosts: new Set(["", "tcp://10.0.0.5:2375"]), live: true });
  });

  it("says nothing is live once every Docker object was removed", () => {
    const registry = new Registry(dir);
    registry.add({ kind: "docker-container", id: "fl-ab12-net-n1", label: "container" })();
    expect(dockerUse(dir)).toEqual({ hosts: new Set([""]), live: false });
  });
});
