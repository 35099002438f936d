import { FIRST_PORT, portNumbers } from "../../../src/provisioners/port-numbers";

describe("portNumbers", () => {
  it("gives numbered ports their number and the others free numbers from FIRST_PORT, never the same twice", () => {
    const taken = `${FIRST_PORT + 1}`;
    const ports = portNumbers(["client", "6379", taken, "peer", "admin"]);
    expect(ports).toEqual({ client: FIRST_PORT, "6379": 6379, [taken]: FIRST_PORT + 1, peer: FIRST_PORT + 2, admin: FIRST_PORT + 3 });
  });
});
