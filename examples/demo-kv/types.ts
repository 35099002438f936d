/** Shared types of the demo key-value service: log entries, commands and peer RPC messages. */

/** Monotonic milliseconds, immune to wall-clock jumps. */
export const now = (): number => performance.now();

/** A state-machine command. `noop` is what a new leader appends to commit its term. */
export type Command = { op: "noop" } | { op: "put"; key: string; value: unknown } | { op: "cas"; key: string; from: unknown; to: unknown };

/** One log entry. Indexes are 1-based; index 0 is an empty entry of term 0. */
export interface Entry {
  term: number;
  cmd: Command;
}

/** What applying a command returned: `put` → `{ ok: true }`, `cas` → `{ ok, value }`. */
export interface ApplyResult {
  ok: boolean;
  value?: unknown;
}

export type Role = "follower" | "candidate" | "leader";

/** RequestVote; `preVote` asks "would you vote for me in `term`?" without changing anything. */
export interface VoteRequest {
  term: number;
  candidateId: string;
  lastLogIndex: number;
  lastLogTerm: number;
  preVote: boolean;
}

export interface VoteResponse {
  term: number;
  granted: boolean;
}

export interface AppendRequest {
  term: number;
  leaderId: string;
  prevLogIndex: number;
  prevLogTerm: number;
  entries: Entry[];
  leaderCommit: number;
}

export interface AppendResponse {
  term: number;
  success: boolean;
  /** On success: the last index known to match the leader's log. */
  matchIndex: number;
  /** On failure: where the leader should retry from (first index of the conflicting term). */
  conflictIndex: number;
}

/** A peer as this node dials it (possibly through a proxy). */
export interface PeerAddress {
  id: string;
  host: string;
  port: number;
}

/** A client request the node cannot serve; `status` is the HTTP status to answer with. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra fields for the JSON body, e.g. `{ leader }` or `{ definite }`. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** 421: this node is not the leader; nothing was appended, so retrying elsewhere is safe. */
export function notLeader(leader: string | null): RequestError {
  return new RequestError(421, "not leader", { leader });
}

export interface RaftConfig {
  id: string;
  peers: PeerAddress[];
  dataDir: string;
  /** Base election timeout T; each wait is random in [T, 2T). */
  electionTimeoutMs: number;
  heartbeatMs: number;
  /** Timeout of one peer RPC. */
  rpcTimeoutMs: number;
  /** How long a client write or read may wait for a majority. */
  requestTimeoutMs: number;
  /** The planted bug `--bug bootstrap-alone` (see args.ts): off in every real use. */
  bootstrapAlone?: boolean;
  log: (message: string) => void;
}

export interface NodeStatus {
  id: string;
  role: Role;
  term: number;
  leader: string | null;
  votedFor: string | null;
  commitIndex: number;
  lastApplied: number;
  logLength: number;
  lastLogTerm: number;
  keys: number;
}
