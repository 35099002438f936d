import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineCluster } from "../../../src/cluster/define-cluster";
import { reuseWanted } from "../../../src/reuse/reused-cluster";
import { specHash } from "../../../src/reuse/spec-hash";

const command = ({ node }: { node: { name: string } }): string[] => ["server", node.name];
const kept = defineCluster({ nodes: 3, command, reuse: true });
const plain = defineCluster({ nodes: 3, command });

describe("whether a run keeps a reusable cluster", () => {
  it.each([
    ["a plain run", kept, false, {}, false],
    ["watch mode", kept, true, {}, true],
    ["FAULTLINE_REUSE=1", kept, false, { FAULTLINE_REUSE: "1" }, true],
    ["watch mode with FAULTLINE_REUSE=0", kept, true, { FAULTLINE_REUSE: "0" }, false],
    ["a spec without reuse, FAULTLINE_REUSE=1", plain, true, { FAULTLINE_REUSE: "1" }, false],
  ] as const)("%s", (_title, spec, watching, env, wanted) => {
    expect(reuseWanted(spec, watching, env)).toBe(wanted);
  });

  it("refuses a FAULTLINE_REUSE it cannot read, naming it", () => {
    expect(() => reuseWanted(kept, false, { FAULTLINE_REUSE: "yes" })).toThrow(
      expect.objectContaining({ code: "FAULTLINE_INVALID_OPTION", option: "FAULTLINE_REUSE", message: expect.stringContaining('received "yes"') }),
    );
  });
});

describe("the hash that identifies a reusable cluster's definition", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "fl-hash-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("is the same for the same definition, and changes with an option, a function's source, the module's text or the name", () => {
    const module = join(dir, "c.cluster.js");
    writeFileSync(module, "one");
    const base = specHash(kept, "c", module);
    expect(specHash(defineCluster({ nodes: 3, command, reuse: true }), "c", module)).toBe(base);
    expect(specHash(defineCluster({ reuse: true, command, nodes: 3 }), "c", module)).toBe(base); // key order
    expect(specHash(defineCluster({ nodes: 2, command, reuse: true }), "c", module)).not.toBe(base);
    expect(specHash(defineCluster({ nodes: 3, command: () => ["other"], reuse: true }), "c", module)).not.toBe(base);
    expect(specHash(kept, "d", module)).not.toBe(base);
    writeFileSync(module, "two");
    expect(specHash(kept, "c", module)).not.toBe(base);
  });
});
