/**
 * A Raft node: terms, randomized election timeouts with a pre-vote round, RequestVote with the
 * up-to-date-log rule, AppendEntries with log matching and repair, commit on a majority and
 * in-order apply. Leader-side replication, commit and client requests live in `Leader`.
 * Everything runs on the event loop, so no locking is needed.
 */
import { KvStore } from "./kv-store";
import { Leader } from "./leader";
import { matchAndAppend } from "./log-matching";
import { PendingWrites } from "./pending-writes";
import { PeerClient } from "./rpc";
import { Storage } from "./storage";
import { RequestError, notLeader, now } from "./types";
import type { AppendRequest, AppendResponse, ApplyResult, Command, NodeStatus, RaftConfig, Role, VoteRequest, VoteResponse } from "./types";

export type { NodeStatus, RaftConfig } from "./types";

export class RaftNode {
  role: Role = "follower";
  leaderId: string | null = null;
  commitIndex = 0;
  lastApplied = 0;
  readonly storage: Storage;
  readonly kv = new KvStore();
  readonly clients = new Map<string, PeerClient>();
  private readonly clusterMajority: number;
  /** Set by the planted bug: leading alone, until a peer answers. */
  private alone = false;
  readonly writes: PendingWrites;
  private leader: Leader | null = null;
  private electionDeadline = 0;
  private lastLeaderContact = -Infinity;
  /** Bumped whenever an election attempt becomes stale, so late vote replies are ignored. */
  private electionSeq = 0;
  private ticker: NodeJS.Timeout | undefined;
  private lastTickAt = 0;
  /** After a stall, no election or step-down before this time. */
  private graceUntil = 0;
  private decisionPending = false;
  private stopped = false;

  constructor(readonly config: RaftConfig) {
    this.storage = new Storage(config.dataDir);
    for (const peer of config.peers) this.clients.set(peer.id, new PeerClient(peer, config.rpcTimeoutMs, config.id));
    this.clusterMajority = Math.floor((config.peers.length + 1) / 2) + 1;
    this.writes = new PendingWrites(config.requestTimeoutMs);
  }

  get id(): string {
    return this.config.id;
  }

  get term(): number {
    return this.storage.term;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Votes or acknowledgements that make a majority (1 while the planted bug leads alone). */
  get majority(): number {
    return this.alone ? 1 : this.clusterMajority;
  }

  start(): void {
    this.resetElectionTimer();
    this.ticker = setInterval(() => this.tick(), 10);
    if (this.config.bootstrapAlone && this.storage.lastIndex > 0) void this.bootstrapIfAlone();
  }

  /**
   * THE PLANTED BUG (`--bug bootstrap-alone`): a node that was part of a cluster (it has a log)
   * and finds no peer answering when it starts takes itself for the last one left and leads
   * alone, in a new epoch of terms (+100) so that no old leader can depose it when the others
   * come back. Silence is not absence: a partitioned node sees the same silence, and when the
   * partition heals its log replaces the majority's, acknowledged writes and all.
   */
  private async bootstrapIfAlone(): Promise<void> {
    const probe: VoteRequest = { term: this.term, candidateId: this.id, ...this.lastLog(), preVote: true };
    const answers = await Promise.allSettled([...this.clients.values()].map((c) => c.post<VoteResponse>("/raft/vote", probe)));
    if (this.stopped || this.role !== "follower" || this.leaderId !== null || answers.some((a) => a.status === "fulfilled")) return;
    this.config.log("no peer answered at start: leading alone");
    this.storage.setTermAndVote(this.term + 100, this.id);
    this.storage.flush();
    this.alone = true;
    this.becomeLeader();
  }

  /** A peer answered this node's leader: it is not alone any more. */
  heardFromPeer(): void {
    this.alone = false;
  }

  /** Stops timers, fails pending requests, flushes and closes storage. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.ticker);
    this.leader?.close(new RequestError(503, "shutting down", { definite: true }));
    this.leader = null;
    this.writes.failAll(new RequestError(503, "shutting down", { definite: false }));
    for (const client of this.clients.values()) client.close();
    this.storage.close();
  }

  // ---- client API -------------------------------------------------------------------------

  propose(cmd: Command): Promise<ApplyResult & { index: number }> {
    if (this.stopped) return Promise.reject(new RequestError(503, "shutting down", { definite: true }));
    if (!this.leader) return Promise.reject(notLeader(this.liveLeader()));
    return this.leader.propose(cmd);
  }

  read(key: string): Promise<{ value: unknown; found: boolean }> {
    if (this.stopped) return Promise.reject(new RequestError(503, "shutting down", { definite: true }));
    if (!this.leader) return Promise.reject(notLeader(this.liveLeader()));
    return this.leader.read(key);
  }

  /** The leader of the current term if it is known to be alive: this node, or one heard from within T. */
  liveLeader(): string | null {
    if (this.role === "leader") return this.id;
    if (this.role === "follower" && this.leaderId !== null && now() - this.lastLeaderContact < this.config.electionTimeoutMs) return this.leaderId;
    return null;
  }

  status(): NodeStatus {
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      leader: this.liveLeader(),
      votedFor: this.storage.votedFor,
      commitIndex: this.commitIndex,
      lastApplied: this.lastApplied,
      logLength: this.storage.lastIndex,
      lastLogTerm: this.storage.termAt(this.storage.lastIndex),
      keys: this.kv.size,
    };
  }

  // ---- timers and elections ---------------------------------------------------------------

  private tick(): void {
    if (this.stopped) return;
    const t = now();
    if (this.lastTickAt > 0 && t - this.lastTickAt > this.config.electionTimeoutMs / 2) {
      // We were not scheduled for a while (CPU starvation, SIGSTOP): what we know of our peers
      // is stale. Give them a couple of heartbeats before starting or ending a leadership.
      this.config.log(`event loop stalled for ${Math.round(t - this.lastTickAt)}ms`);
      this.graceUntil = t + 2 * this.config.heartbeatMs;
    }
    this.lastTickAt = t;
    if (this.leader) {
      if (t >= this.graceUntil && !this.leader.hasQuorumContact(2 * this.config.electionTimeoutMs)) this.decideAfterIo();
      this.leader.tick();
    } else if (t >= this.electionDeadline && t >= this.graceUntil) {
      this.decideAfterIo();
    }
  }

  /**
   * Timers run before I/O in each loop turn, so heartbeats and acks that arrived while we were
   * busy are still unread here. Decide after one pass through I/O, on fresh information.
   */
  private decideAfterIo(): void {
    if (this.decisionPending) return;
    this.decisionPending = true;
    setImmediate(() => {
      this.decisionPending = false;
      if (this.stopped) return;
      if (this.leader) {
        // Check quorum: a leader that heard from no majority for 2T (partitioned, or paused
        // and resumed) steps down instead of serving as a stale leader.
        if (this.leader.hasQuorumContact(2 * this.config.electionTimeoutMs)) return;
        this.config.log(`stepping down: no contact with a majority in term ${this.term}`);
        this.becomeFollower(this.term, null);
      } else if (now() >= this.electionDeadline) {
        this.startPreVote();
      }
    });
  }

  private resetElectionTimer(): void {
    const base = this.config.electionTimeoutMs;
    this.electionDeadline = now() + base + Math.random() * base;
  }

  /** Asks peers whether they would vote for us without disturbing anyone's term. */
  private startPreVote(): void {
    this.resetElectionTimer();
    if (this.majority === 1) return this.startElection();
    const attempt = ++this.electionSeq;
    const term = this.term;
    const req: VoteRequest = { term: term + 1, candidateId: this.id, ...this.lastLog(), preVote: true };
    let granted = 1;
    for (const client of this.clients.values()) {
      client.post<VoteResponse>("/raft/vote", req).then(
        (resp) => {
          if (this.stopped || attempt !== this.electionSeq || this.leader || this.term !== term) return;
          if (resp.granted) {
            if (++granted === this.majority) this.startElection();
          } else if (resp.term > this.term) {
            this.becomeFollower(resp.term, null);
          }
        },
        () => {},
      );
    }
  }

  private startElection(): void {
    const term = this.term + 1;
    this.storage.setTermAndVote(term, this.id);
    this.storage.flush();
    this.role = "candidate";
    this.leaderId = null;
    const attempt = ++this.electionSeq;
    this.resetElectionTimer();
    this.config.log(`starting election for term ${term}`);
    let votes = 1;
    if (votes >= this.majority) return this.becomeLeader();
    const req: VoteRequest = { term, candidateId: this.id, ...this.lastLog(), preVote: false };
    for (const client of this.clients.values()) {
      client.post<VoteResponse>("/raft/vote", req).then(
        (resp) => {
          if (this.stopped) return;
          if (resp.term > this.term) return this.becomeFollower(resp.term, null);
          if (attempt !== this.electionSeq || this.role !== "candidate" || this.term !== term) return;
          if (resp.granted && ++votes === this.majority) this.becomeLeader();
        },
        () => {},
      );
    }
  }

  private becomeLeader(): void {
    this.role = "leader";
    this.leaderId = this.id;
    this.electionSeq++;
    this.config.log(`became leader for term ${this.term}`);
    this.leader = new Leader(this);
    this.leader.propose({ op: "noop" }).catch(() => {});
  }

  /** Adopts `term` (a higher one resets the vote) and follows `leader` if known. */
  becomeFollower(term: number, leader: string | null): void {
    if (term > this.term) {
      this.storage.setTermAndVote(term, null);
      this.storage.flush();
    }
    if (this.role !== "follower") {
      this.config.log(`became follower for term ${term}`);
      this.resetElectionTimer();
    }
    this.role = "follower";
    this.leaderId = leader;
    this.alone = false;
    this.electionSeq++;
    if (this.leader) {
      this.leader.close(notLeader(null));
      this.leader = null;
    }
  }

  private lastLog(): { lastLogIndex: number; lastLogTerm: number } {
    const lastLogIndex = this.storage.lastIndex;
    return { lastLogIndex, lastLogTerm: this.storage.termAt(lastLogIndex) };
  }

  // ---- RPC handlers -----------------------------------------------------------------------

  handleVote(req: VoteRequest): VoteResponse {
    const last = this.lastLog();
    const upToDate = req.lastLogTerm > last.lastLogTerm || (req.lastLogTerm === last.lastLogTerm && req.lastLogIndex >= last.lastLogIndex);
    if (req.preVote) {
      // While a leader is alive (or we are it) nobody needs a new election: refuse, so a
      // node that was paused or cut off cannot depose a healthy leader when it comes back.
      const inLease = this.role === "leader" || now() - this.lastLeaderContact < this.config.electionTimeoutMs;
      return { term: this.term, granted: req.term > this.term && upToDate && !inLease };
    }
    if (req.term > this.term) this.becomeFollower(req.term, null);
    let granted = false;
    if (req.term === this.term && (this.storage.votedFor === null || this.storage.votedFor === req.candidateId) && upToDate) {
      this.storage.setTermAndVote(req.term, req.candidateId);
      this.storage.flush();
      this.resetElectionTimer();
      granted = true;
    }
    return { term: this.term, granted };
  }

  handleAppend(req: AppendRequest): AppendResponse {
    const fail = (conflictIndex: number): AppendResponse => ({ term: this.term, success: false, matchIndex: 0, conflictIndex });
    if (req.term < this.term) return fail(0);
    if (req.term > this.term || this.role !== "follower") this.becomeFollower(req.term, null);
    if (this.leaderId !== req.leaderId) {
      this.leaderId = req.leaderId;
      this.config.log(`following leader ${req.leaderId} in term ${req.term}`);
    }
    this.lastLeaderContact = now();
    this.electionSeq++;
    this.resetElectionTimer();

    const outcome = matchAndAppend(this.storage, req, this.commitIndex, this.config.bootstrapAlone === true);
    if ("conflictIndex" in outcome) return fail(outcome.conflictIndex);
    const matchIndex = outcome.matchIndex;
    if (outcome.truncatedFrom !== undefined && outcome.truncatedFrom <= this.lastApplied) {
      // Only with the planted bug: applied entries were replaced, so rebuild the state from the log.
      this.config.log(`rolled back applied entries from ${outcome.truncatedFrom}: rebuilding the state`);
      this.kv.clear();
      this.lastApplied = 0;
      this.commitIndex = 0;
    }
    const commit = Math.min(req.leaderCommit, matchIndex);
    if (commit > this.commitIndex) {
      this.commitIndex = commit;
      this.applyCommitted();
    }
    return { term: this.term, success: true, matchIndex, conflictIndex: 0 };
  }

  /** Applies committed entries in order and lets the leader answer the clients waiting on them. */
  applyCommitted(): void {
    while (this.lastApplied < this.commitIndex) {
      const index = ++this.lastApplied;
      const entry = this.storage.entry(index);
      const result = this.kv.apply(entry.cmd);
      this.writes.applied(index, entry.term, result);
    }
    this.leader?.checkReads();
  }
}
