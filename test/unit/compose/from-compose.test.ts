import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromCompose } from "../../../src/compose";
import { resolveNodes } from "../../../src/cluster/node-specs";
import { describeProbe } from "../../../src/cluster/probes";
import type { CommandContext, NodeSpec } from "../../../src/cluster/types";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "fl-compose-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function composeFile(text: string, name = "docker-compose.yml"): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const argvOf = (node: NodeSpec): string[] => node.command!({} as CommandContext);

function errorOf(run: () => unknown): { code: string; message: string; option?: string; hint: string } {
  try {
    run();
  } catch (error) {
    return error as { code: string; message: string; option?: string; hint: string };
  }
  throw new Error("expected an error");
}

describe("fromCompose", () => {
  it("maps what compose users write onto a docker cluster, one node per service", () => {
    writeFileSync(join(dir, ".env"), "REDIS_TAG=local\n");
    writeFileSync(join(dir, "app.env"), '# settings\nexport LOG_LEVEL=debug\nGREETING="hello world"\n');
    const file = composeFile(`
name: shop
x-common: &common
  stop_grace_period: 1m30s
services:
  cache:
    <<: *common
    image: faultline/redis:\${REDIS_TAG}
    command: redis-server --save "" --appendonly no
    expose: [6379]
    tmpfs: ["/data:size=16m"]
  db:
    image: faultline/etcd:local
    entrypoint: ["/usr/bin/etcd"]
    command: ["--name", "db"]
    ports: ["127.0.0.1:12379:2379/tcp", { target: 2380, published: 12380 }]
    healthcheck:
      test: ["CMD", "etcdctl", "endpoint", "health"]
      interval: 2s
      timeout: 3s
      retries: 5
  app:
    image: faultline/node:local
    command: ["\${NODE:-/usr/bin/node}", "/app/server.js"]
    working_dir: /app
    environment:
      - CACHE=cache:6379
      - COST=$$5
    env_file: app.env
    ports: ["8080-8081:80-81"]
    volumes: ["./app:/app:ro", "/scratch"]
    depends_on:
      cache: { condition: service_started }
      db: { condition: service_healthy }
    stop_signal: SIGINT
    init: true
    restart: always
    networks: [default]
networks:
  default: {}
`);
    const spec = fromCompose(file);
    expect(spec.provisioner).toBe("docker");
    const nodes = spec.nodes as Record<string, NodeSpec>;
    expect(Object.keys(nodes)).toEqual(["cache", "db", "app"]);
    expect(resolveNodes(spec).map((n) => [n.name, n.dependsOn])).toEqual([
      ["cache", []],
      ["db", []],
      ["app", ["cache", "db"]],
    ]);

    expect(nodes.cache).toMatchObject({
      docker: { image: "faultline/redis:local", tmpfs: { "/data": "size=16m" } },
      ports: ["6379"],
      stop: { timeout: 90_000 },
    });
    expect(argvOf(nodes.cache!)).toEqual(["redis-server", "--save", "", "--appendonly", "no"]);

    expect(nodes.db).toMatchObject({ docker: { image: "faultline/etcd:local", entrypoint: ["/usr/bin/etcd"] }, ports: ["2379", "2380"] });
    expect(argvOf(nodes.db!)).toEqual(["--name", "db"]);
    expect(describeProbe(nodes.db!.ready!)).toBe("healthcheck(etcdctl endpoint health)");
    expect(nodes.db!.readyTimeout).toBe(30_000); // (2s + 3s) × 5 is less than the default

    expect(nodes.app).toMatchObject({
      docker: { image: "faultline/node:local", workdir: "/app", init: true, volumes: [`${join(dir, "app")}:/app:ro`], tmpfs: { "/scratch": "" } },
      ports: ["80", "81"],
      env: { CACHE: "cache:6379", COST: "$5", LOG_LEVEL: "debug", GREETING: "hello world" },
      stop: { signal: "SIGINT" },
    });
    expect(argvOf(nodes.app!)).toEqual(["/usr/bin/node", "/app/server.js"]);
  });

  it("runs the image's own command when a service has none, and picks services with what they depend on", () => {
    const file = composeFile(`
services:
  db: { image: postgres:16 }
  cache: { image: redis:7 }
  app: { image: app:1, depends_on: [db] }
`);
    const spec = fromCompose(file, { services: ["app"], overrides: { db: { ports: ["5432"] } } });
    const nodes = spec.nodes as Record<string, NodeSpec>;
    expect(Object.keys(nodes)).toEqual(["db", "app"]);
    expect(argvOf(nodes.db!)).toEqual([]);
    expect(nodes.db!.ports).toEqual(["5432"]);
  });

  it.each<[string, string, string, string, RegExp]>([
    ["a build context", "services:\n  app: { build: . }", "FAULTLINE_INVALID_OPTION", "services.app.build", /never builds images/],
    ["host networking", "services:\n  app: { image: a, network_mode: host }", "FAULTLINE_INVALID_OPTION", "services.app.network_mode", /own address/],
    ["swarm deploy", "services:\n  app: { image: a, deploy: { replicas: 3 } }", "FAULTLINE_INVALID_OPTION", "services.app.deploy", /count: 3/],
    ["a key nobody maps", "services:\n  app: { image: a, shm_size: 1g }", "FAULTLINE_INVALID_OPTION", "services.app.shm_size", /remove shm_size/],
    ["a service without an image", "services:\n  app: { command: [x] }", "FAULTLINE_INVALID_OPTION", "services.app.image", /pulls nothing/],
    ["a named volume", "services:\n  db: { image: a, volumes: [data:/var/lib/db] }", "FAULTLINE_INVALID_OPTION", "services.db.volumes", /outlive the run/],
    [
      "a one-shot dependency",
      "services:\n  m: { image: a }\n  app: { image: a, depends_on: { m: { condition: service_completed_successfully } } }",
      "FAULTLINE_INVALID_OPTION",
      "services.app.depends_on.m.condition",
      /service_healthy/,
    ],
    [
      "a dependency cycle",
      "services:\n  a: { image: a, depends_on: [b] }\n  b: { image: a, depends_on: [a] }",
      "FAULTLINE_INVALID_OPTION",
      "nodes",
      /a -> b -> a/,
    ],
    ["an unknown dependency", "services:\n  a: { image: a, depends_on: [db] }", "FAULTLINE_INVALID_OPTION", "nodes.a.dependsOn", /other groups/],
    ["a service name faultline cannot use", "services:\n  my.app: { image: a }", "FAULTLINE_INVALID_OPTION", "services.my.app", /rename the service/],
    ["an unknown top-level key", "services:\n  a: { image: a }\nkubernetes: {}", "FAULTLINE_INVALID_OPTION", "kubernetes", /top level holds/],
    [
      "a required variable left unset",
      'services:\n  a: { image: "${FAULTLINE_TEST_UNSET:?set the tag}" }',
      "FAULTLINE_INVALID_OPTION",
      "file",
      /not set: set the tag/,
    ],
    ["broken YAML", "services:\n  a: { image: a\n", "FAULTLINE_PARSE", "file", /indentation/],
    ["no services", "version: '3'", "FAULTLINE_INVALID_OPTION", "services", /under services/],
    ["an unclosed quote", "services:\n  a: { image: a, command: 'echo \"hi' }", "FAULTLINE_PARSE", "services.a.command", /close the quote/],
  ])("refuses %s with a coded error naming the file, service and key", (_label, text, code, option, hint) => {
    const file = composeFile(text);
    const error = errorOf(() => fromCompose(file));
    expect(error).toMatchObject({ code, option });
    expect(error.message).toContain(file);
    expect(`${error.message}\n${error.hint}`).toMatch(hint);
  });

  it("names a missing file, and services or overrides the file lacks", () => {
    expect(errorOf(() => fromCompose(join(dir, "nope.yml")))).toMatchObject({ code: "FAULTLINE_PARSE", option: "file" });
    const file = composeFile("services:\n  a: { image: a }");
    expect(errorOf(() => fromCompose(file, { services: ["b"] }))).toMatchObject({ code: "FAULTLINE_INVALID_OPTION", option: "services" });
    expect(errorOf(() => fromCompose(file, { overrides: { b: {} } })).hint).toMatch(/services are a/);
  });

  it("reads env_file entries relative to the compose file and skips optional missing ones", () => {
    mkdirSync(join(dir, "conf"));
    writeFileSync(join(dir, "conf", "a.env"), "A=1\n");
    const file = composeFile("services:\n  a:\n    image: a\n    env_file: [conf/a.env, { path: missing.env, required: false }]");
    expect((fromCompose(file).nodes as Record<string, NodeSpec>).a!.env).toEqual({ A: "1" });
  });
});
