import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { candidateSubnets, reserveSubnet, type SubnetOwner } from "../../../src/provisioners/netns/subnet";

describe("netns subnet reservations", () => {
  let root: string;
  let dir: string;
  let liveRun: string;
  const candidates = candidateSubnets("198.18.4.0/23", 3);
  const owner = (): SubnetOwner => ({ run: "ab12", dir: liveRun, cluster: "etcd", pid: process.pid });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "fl-netns-subnets-"));
    dir = join(root, "subnets");
    liveRun = join(root, "ab12");
    mkdirSync(liveRun);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("takes over a reservation whose run was reaped: a process killed before registering it leaves nothing held for good", async () => {
    mkdirSync(dir);
    // What a worker killed between its pick and its registration leaves: a file its reaper never knew.
    writeFileSync(join(dir, "198.18.4.0-24"), JSON.stringify({ run: "dead01", dir: join(root, "dead01"), cluster: "etcd", pid: 2 ** 22 + 3 }));

    const reservation = await reserveSubnet(dir, candidates, [], owner());

    expect(reservation?.file).toBe(join(dir, "198.18.4.0-24"));
    expect(JSON.parse(readFileSync(reservation!.file, "utf8"))).toMatchObject({ run: "ab12", dir: liveRun });
  });

  it("takes over a reservation its writer died writing", async () => {
    mkdirSync(dir);
    writeFileSync(join(dir, "198.18.4.0-24"), "");
    expect((await reserveSubnet(dir, candidates, [], owner()))?.file).toBe(join(dir, "198.18.4.0-24"));
  });

  it("leaves the reservation of a run that still has its directory, even when its process is gone", async () => {
    mkdirSync(dir);
    const held = JSON.stringify({ run: "cd34", dir: liveRun, cluster: "redis", pid: 2 ** 22 + 3 });
    writeFileSync(join(dir, "198.18.4.0-24"), held);

    const reservation = await reserveSubnet(dir, candidates, [], owner());

    expect(reservation?.file).toBe(join(dir, "198.18.5.0-24"));
    expect(readFileSync(join(dir, "198.18.4.0-24"), "utf8")).toBe(held);
  });

  it("never picks a subnet the host uses, and answers undefined when none is left", async () => {
    const used = candidateSubnets("198.18.5.0/24", 3);
    expect((await reserveSubnet(dir, candidates, used, owner()))?.file).toBe(join(dir, "198.18.4.0-24"));
    expect(await reserveSubnet(dir, candidates, used, owner())).toBeUndefined();
    expect(existsSync(join(dir, ".lock"))).toBe(false); // the pick's lock is released
  });
});
