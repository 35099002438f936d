/**
 * The shell a run sends to its SSH hosts. Nothing of faultline is installed on a host: each
 * command is POSIX sh with coreutils, procps (ps), util-linux (flock) and, for faults, iptables.
 *
 * A run keeps one directory per cluster on each host (`<base>/<run>-<token>`), holding:
 * `lease` (locked by the run's guardian while the run holds its SSH connection), `mark` (the
 * value of FAULTLINE_SSH_RUN in every node's environment), `pgids` (each node's process group)
 * `chains` (each iptables chain the run made there), `qdiscs` (each interface it shaped),
 * `mounts` (each mount over a data dir, unmounted newest first) and `datadirs` (the nodes' data
 * dirs: at the same paths as on the test's machine, so a path in a node's command means the same
 * file on both). The guardian removes all of it when the
 * run closes its channel or its connection drops; a sweep removes a directory whose lease nobody
 * holds (its guardian died too), and only what the directory lists and marks as its own.
 */

/*
 * Signals are sent as `kill -NAME -<pgid>`: the one form both dash (Debian's sh) and bash read as
 * "this process group"; dash takes neither `--` nor `-s NAME` before a negative id.
 */

/** Quotes one word for sh. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function shellLine(words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}

/**
 * `fl_ours <pgid> <start> <mark>`: whether process group <pgid> is the node the run started —
 * its leader alive with the start time recorded at launch (field 22 of /proc/<pid>/stat, which
 * a recycled pid cannot have), or, once the leader is gone, a member still carrying the run's
 * mark in its environment. (The environment alone is not enough: programs that set their
 * process title, as Redis does, write over it.)
 */
const OURS = `
fl_start() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }
fl_ours() {
  if [ -d "/proc/$1" ]; then [ -n "$2" ] && [ "$(fl_start "$1")" = "$2" ]; return; fi
  for p in $(ps -e -o pid= -o pgid= | awk -v g="$1" '$2 == g { print $1 }'); do
    tr '\\0' '\\n' < "/proc/$p/environ" 2>/dev/null | grep -qxF "FAULTLINE_SSH_RUN=$3" && return 0
  done
  return 1
}
`;

/** Removes one run directory's processes, chains and files: `fl_reap <dir>`. */
const REAP = `${OURS}
fl_reap() {
  d=$1
  [ -d "$d" ] || return 0
  mark=$(cat "$d/mark" 2>/dev/null)
  if [ -n "$mark" ] && [ -f "$d/pgids" ]; then
    while read -r g start; do
      case $g in ''|*[!0-9]*) continue ;; esac
      if fl_ours "$g" "$start" "$mark"; then
        kill -KILL "-$g" 2>/dev/null
        echo "killed process group $g"
      fi
    done < "$d/pgids"
  fi
  if [ -f "$d/chains" ]; then
    while read -r c; do
      case $c in fl-*) ;; *) continue ;; esac
      if iptables -w -n -L "$c" >/dev/null 2>&1; then
        while iptables -w -D INPUT -j "$c" 2>/dev/null; do :; done
        iptables -w -F "$c" 2>/dev/null
        iptables -w -X "$c" 2>/dev/null && echo "removed chain $c"
      fi
    done < "$d/chains"
  fi
  if [ -f "$d/mounts" ]; then
    tac "$d/mounts" | while read -r m; do
      case $m in "$d"/*) umount -l "$m" 2>/dev/null && echo "unmounted $m" ;; esac
    done
  fi
  if [ -f "$d/datadirs" ]; then
    while read -r x; do
      case $x in /*/*/*) rm -rf -- "$x" && rmdir "\${x%/*}" "\${x%/*/*}" 2>/dev/null ;; esac
    done < "$d/datadirs"
  fi
  if [ -f "$d/qdiscs" ]; then
    while read -r dev; do
      [ -n "$dev" ] && tc qdisc del dev "$dev" root 2>/dev/null && echo "removed tbf on $dev"
    done < "$d/qdiscs"
  fi
  rm -rf -- "$d"
}
`;

/**
 * The guardian: takes the run's lease, makes the nodes' data dirs, says "ready", then waits for its standard input to end —
 * the run closing the channel, or the connection dropping (the test process killed, the network
 * gone) — and reaps the directory. It ignores hangups so a dropped connection cannot stop it.
 */
export function guardianScript(dir: string, mark: string, dataDirs: readonly string[], tmpfsSize?: string): string {
  const tmpfs = tmpfsSize
    ? dataDirs
        .map(
          (d) =>
            `printf '%s\\n' ${shellQuote(d)} >> "$d/mounts" && mount -t tmpfs -o size=${shellQuote(tmpfsSize)},mode=0700 tmpfs ${shellQuote(d)} || fail 95`,
        )
        .join("\n")
    : "";
  return `${REAP}
trap '' HUP PIPE INT TERM
d=${shellQuote(dir)}
mkdir -p -m 700 "$d" || exit 90
exec 9>"$d/lease" || exit 91
flock -n 9 || exit 92
fail() { exec > /dev/null 2>&1; fl_reap "$d"; exit "$1"; }
printf '%s\\n' ${shellQuote(mark)} > "$d/mark" || fail 93
printf '%s\\n' ${shellLine(dataDirs)} >> "$d/datadirs" || fail 94
mkdir -p -m 700 ${shellLine(dataDirs)} || fail 94
${tmpfs}
echo ready
cat > /dev/null
exec > /dev/null 2>&1
fl_reap "$d"
`;
}

/**
 * Reaps every run directory under `base` whose lease no one holds (its run and guardian are
 * gone), except `keep`. Prints what it removed.
 */
export function sweepScript(base: string, keep?: string): string {
  return `${REAP}
base=${shellQuote(base)}
[ -d "$base" ] || exit 0
for d in "$base"/*/; do
  d=\${d%/}
  [ -f "$d/mark" ] || continue
  [ "$d" = ${shellQuote(keep ?? "")} ] && continue
  ( flock -n 8 || exit 0; echo "swept $d"; fl_reap "$d" ) 8>>"$d/lease"
done
exit 0
`;
}

/**
 * Starts a node in the exec channel's own session (sshd makes each session its own process group
 * and session): the shell records its pid and start time as the node's group, prints
 * `faultline-pid <pid> <start>`, and
 * execs the program in its place, so the channel's exit status and signal are the node's.
 */
export function launchScript(options: {
  dir: string;
  mark: string;
  cwd: string;
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  /** libfaketime's control file, written before the node starts; also asks whether the program's clock can be moved at all. */
  clockFile?: [string, string];
}): string {
  const { dir, mark, cwd, argv, env, clockFile } = options;
  const program = argv[0]!;
  const assignments = Object.entries({ ...env, FAULTLINE_SSH_RUN: mark })
    .filter(([key]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
    .map(([key, value]) => shellQuote(`${key}=${value}`));
  return [
    `[ -f ${shellQuote(`${dir}/mark`)} ] || { echo 'faultline-gone'; exit 125; }`,
    `cd ${shellQuote(cwd)} 2>/dev/null || { echo 'faultline-nocwd'; exit 126; }`,
    `command -v ${shellQuote(program)} >/dev/null 2>&1 || { echo 'faultline-missing'; exit 127; }`,
    ...(clockFile
      ? [
          `printf '%s' ${shellQuote(clockFile[1])} > ${shellQuote(clockFile[0])} || exit 125`,
          // Go programs and static binaries read the clock without libc, where libfaketime cannot reach.
          `p=$(command -v ${shellQuote(program)}); if head -c 4 "$p" | grep -q ELF; then if grep -qa -e 'Go build ID' -e '.gopclntab' -e 'go.buildinfo' "$p"; then echo "faultline-clock-blocked $p is a Go program, which reads the clock through the vDSO without libc"; elif ! grep -qa 'ld-linux' "$p"; then echo "faultline-clock-blocked $p is statically linked"; fi; fi`,
        ]
      : []),
    `start=$(sed 's/.*) //' /proc/$$/stat | cut -d' ' -f20)`,
    `echo "$$ $start" >> ${shellQuote(`${dir}/pgids`)} || exit 125`,
    `echo "faultline-pid $$ $start"`,
    `exec env ${assignments.join(" ")} ${shellLine(argv)}`,
  ].join("\n");
}

/** Signals a node's process group, if it is still the node the run started (see fl_ours). */
export function signalScript(pgid: number, start: string, signal: string, mark: string): string {
  return `${OURS}
if fl_ours ${pgid} ${shellQuote(start)} ${shellQuote(mark)}; then kill -${signal.replace(/^SIG/, "")} -${pgid}; else exit 3; fi`;
}

/** Kills what remains of a node's group after its leader exited (children it left behind). */
export function releaseScript(pgid: number, mark: string): string {
  return `${OURS}
if fl_ours ${pgid} "" ${shellQuote(mark)}; then kill -KILL -${pgid} 2>/dev/null; fi; exit 0`;
}

/** Probes what a host offers, one `name=value` line each. */
export const PROBE_SCRIPT = `
for t in flock ps awk tar iptables iptables-restore tc prlimit ip; do
  if command -v "$t" >/dev/null 2>&1; then echo "tool.$t=$(command -v "$t")"; else echo "tool.$t="; fi
done
echo "uid=$(id -u)"
echo "client=\${SSH_CONNECTION%% *}"
echo "kernel=$(uname -sr)"
for f in /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 /usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1; do [ -f "$f" ] && echo "faketime=$f"; done
exit 0
`;
