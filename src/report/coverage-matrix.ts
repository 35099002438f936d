import type { FaultSummary, TestOutcome } from "./artifact-types";
import { byName, grudgeShape } from "./grudge";

/** One cell: the tests that injected this fault kind, at this target, into this cluster. */
export interface CoverageCell {
  passed: number;
  failed: number;
  /** Times the fault was applied (a test may apply it more than once). */
  applications: number;
  /** Attempts that failed to apply: the fault was asked for but never happened. */
  unapplied: number;
  /** `file › test` of each test counted, for people asking "which ones?". */
  tests: string[];
}

export interface CoverageRow {
  kind: string;
  target: string;
  /** Cluster name -> cell; clusters the fault never touched have no entry. */
  cells: Record<string, CoverageCell>;
}

/** Fault kinds × clusters, from the tests that ran. Written as `coverage.json`. */
export interface CoverageMatrix {
  clusters: string[];
  rows: CoverageRow[];
}

// Words fault descriptions use for their targets (DESIGN.md's vocabulary), most specific first.
const TARGET_WORDS: ReadonlyArray<[RegExp, string]> = [
  [/\bmajorities[- ]ring\b/i, "majorities-ring"],
  [/\bleader\b/i, "leader"],
  [/\bminority\b/i, "minority"],
  [/\bmajority\b/i, "majority"],
  [/\bhalves\b/i, "halves"],
  [/\bbridge\b/i, "bridge"],
  [/\bone[- ]?way\b/i, "one-way"],
  [/\brandom\b/i, "random"],
  [/\ball nodes\b|\ball\b(?= *\(|$)/i, "all"],
];

/**
 * What a fault was aimed at, as a matrix row reads it: a role the description names (leader,
 * minority, halves…), else the shape of its grudge, else "all" or the node names it hit.
 */
export function targetClass(fault: Pick<FaultSummary, "description" | "targets" | "grudge">, nodes: readonly string[]): string {
  for (const [pattern, name] of TARGET_WORDS) if (pattern.test(fault.description)) return name;
  if (fault.grudge && Object.keys(fault.grudge).length > 0) {
    const shape = grudgeShape(fault.grudge);
    if (shape.oneWay) return "one-way";
    if (shape.groups.length > 1) return `split ${shape.groups.map((g) => g.length).join("|")}`;
  }
  if (fault.targets.length === 0) return "in-process";
  if (nodes.length > 1 && fault.targets.length === nodes.length && nodes.every((n) => fault.targets.includes(n))) return "all";
  return [...fault.targets].sort(byName).join(",");
}

/** Builds the matrix from the outcomes of tests that ran (skipped tests wrote none). */
export function buildCoverageMatrix(
  tests: ReadonlyArray<Pick<TestOutcome, "testPath" | "testName" | "status" | "clusters">>,
  displayPath: (path: string) => string = (p) => p,
): CoverageMatrix {
  const clusters = new Set<string>();
  const rows = new Map<string, CoverageRow>();
  for (const test of tests) {
    const id = `${displayPath(test.testPath)} › ${test.testName}`;
    for (const cluster of test.clusters) {
      clusters.add(cluster.name);
      const counted = new Set<CoverageCell>();
      for (const fault of cluster.faults) {
        const target = targetClass(fault, cluster.nodes);
        const key = `${fault.kind}\0${target}`;
        let row = rows.get(key);
        if (!row) rows.set(key, (row = { kind: fault.kind, target, cells: {} }));
        const cell = (row.cells[cluster.name] ??= { passed: 0, failed: 0, applications: 0, unapplied: 0, tests: [] });
        if (fault.failed) {
          cell.unapplied++;
          continue;
        }
        cell.applications++;
        if (counted.has(cell)) continue; // a test counts once per cell, however often it applied the fault
        counted.add(cell);
        if (test.status === "failed") cell.failed++;
        else cell.passed++;
        cell.tests.push(id);
      }
    }
  }
  const sorted = [...rows.values()].sort((a, b) => a.kind.localeCompare(b.kind) || byName(a.target, b.target));
  return { clusters: [...clusters].sort(byName), rows: sorted };
}
