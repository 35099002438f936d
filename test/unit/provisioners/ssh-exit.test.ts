import { describeExit } from "../../../src/provisioners/ssh/ssh-host";

describe("describeExit (how a command on an SSH host ended, for error messages)", () => {
  it("names the exit code and stderr", () => {
    expect(describeExit({ code: 2, stderr: "sh: 1: cannot create /x: Permission denied" })).toBe("exit 2: sh: 1: cannot create /x: Permission denied");
  });

  it("names the signal of a killed command", () => {
    expect(describeExit({ code: null, signal: "KILL", stderr: "" })).toBe("killed by KILL: no output");
  });

  it("says when the channel closed with neither, instead of printing an empty reason", () => {
    expect(describeExit({ code: null, stderr: "" })).toBe("its channel closed without an exit status: no output");
  });
});
