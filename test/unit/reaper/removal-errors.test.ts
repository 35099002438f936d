import { isFaultlineError } from "../../../src/common/errors";
import { removeResource } from "../../../src/reaper/cleanup";

async function failure(act: () => Promise<unknown>): Promise<unknown> {
  try {
    await act();
  } catch (error) {
    return error;
  }
  throw new Error("expected the removal to fail");
}

describe("removing a registered object that cannot be removed", () => {
  it("refuses a command that is no undo command of faultline's, with FAULTLINE_TEARDOWN", async () => {
    const error = await failure(() => removeResource({ kind: "command", argv: ["/usr/bin/touch", "x"], label: "planted" }));
    if (!isFaultlineError(error)) throw new Error(`not a FaultlineError: ${String(error)}`);
    expect(error.code).toBe("FAULTLINE_TEARDOWN");
    expect(error.reason).toBe(
      'refused to run `/usr/bin/touch x`: "/usr/bin/touch" is not one of the tools faultline uses (ip, iptables, iptables-legacy, iptables-nft, ip6tables, tc, mount, umount, nsenter, rm)',
    );
    expect(error.hint.length).toBeGreaterThan(10);
  });
});
