/**
 * Who cannot hear whom, as in Jepsen's nemesis: node name -> names of the nodes whose traffic
 * it drops. `{ n1: ["n2"] }` means n1 cannot hear n2; n2 still hears n1 unless it holds its
 * own grudge. The one type that partitions, provisioners, the timeline and the report share.
 */
export type Grudge = Record<string, string[]>;
