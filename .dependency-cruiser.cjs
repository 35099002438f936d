// The layers of src/ and the directions imports may take (docs/ARCHITECTURE.md draws them).
// `npm run lint` fails on an import that runs up a layer, across siblings, or closes a cycle.
const LAYERS = {
  // layer: directories (under src/) it must not import
  common: ["reaper", "proxy", "history", "failpoints", "cluster", "provisioners", "faults", "wiring", "reuse", "report", "recipes", "compose", "control", "jest", "cli", "index"],
  reaper: ["proxy", "history", "failpoints", "cluster", "provisioners", "faults", "wiring", "reuse", "report", "recipes", "compose", "control", "jest", "cli", "index"],
  proxy: ["reaper", "history", "failpoints", "cluster", "provisioners", "faults", "wiring", "reuse", "report", "recipes", "compose", "control", "jest", "cli", "index"],
  history: ["reaper", "proxy", "failpoints", "cluster", "provisioners", "faults", "wiring", "reuse", "report", "recipes", "compose", "control", "jest", "cli", "index"],
  failpoints: ["reaper", "proxy", "history", "cluster", "provisioners", "faults", "wiring", "reuse", "report", "recipes", "compose", "control", "jest", "cli", "index"],
  cluster: ["provisioners", "faults", "wiring", "reuse", "report", "recipes", "compose", "control", "jest", "cli", "index"],
  provisioners: ["faults", "wiring", "reuse", "report", "recipes", "compose", "control", "jest", "cli", "index"],
  faults: ["provisioners", "wiring", "reuse", "report", "recipes", "compose", "control", "jest", "cli", "index"],
  report: ["provisioners", "faults", "wiring", "reuse", "recipes", "compose", "control", "jest", "cli", "index"],
  wiring: ["reuse", "report", "recipes", "compose", "control", "jest", "cli", "index"],
  reuse: ["report", "recipes", "compose", "control", "jest", "cli", "index"],
  recipes: ["provisioners", "reuse", "compose", "control", "jest", "cli", "index"],
  compose: ["reaper", "proxy", "history", "failpoints", "faults", "wiring", "reuse", "report", "recipes", "control", "jest", "cli", "index"],
  control: ["reuse", "history", "failpoints", "report", "recipes", "compose", "jest", "cli", "index"],
  jest: ["cli", "index"],
  cli: ["jest", "index"],
};
const dir = (name) => (name === "index" ? "^src/index\\.ts$" : `^src/${name}/`);

module.exports = {
  forbidden: [
    {
      name: "no-cycle",
      severity: "error",
      comment: "Modules that import each other cannot be understood, tested or moved apart.",
      from: { path: "^src/" },
      to: { circular: true },
    },
    ...Object.entries(LAYERS).map(([layer, banned]) => ({
      name: `layer-${layer}`,
      severity: "error",
      comment: `src/${layer} may not import ${banned.join(", ")}: imports point down the layers (docs/ARCHITECTURE.md).`,
      from: { path: dir(layer) },
      to: { path: banned.map(dir).join("|") },
    })),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^(dist|node_modules)/" },
  },
};
