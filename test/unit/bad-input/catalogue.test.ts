import { clusterSpecRows } from "./cluster-spec-rows";
import { faultRows } from "./fault-rows";
import { matcherRows } from "./matcher-rows";
import { presetRows } from "./preset-rows";
import { expectCoded, outcome, type Row } from "./catalogue";

const tables: Record<string, Row[]> = {
  "cluster specs": clusterSpecRows,
  "matcher receivers": matcherRows,
  "fault options": faultRows,
  "preset options": presetRows,
};

for (const [name, rows] of Object.entries(tables)) {
  describe(`bad ${name} are refused with a coded error`, () => {
    it.each(rows)("%s", async (_label, act, code, option, received) => {
      expectCoded(await outcome(act), code, option, received);
    });
  });
}
