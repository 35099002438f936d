/**
 * Leader-side state of one term: per-peer replication progress, group commit, commit on a
 * majority, and linearizable reads through a read index confirmed by a heartbeat quorum.
 * Created on election, closed on step-down; late RPC replies of a closed leader are ignored.
 */
import { RequestError, now } from "./types";
import type { RaftNode } from "./raft-node";
import type { AppendRequest, AppendResponse, ApplyResult, Command } from "./types";

/** Most entries sent in one AppendEntries, so a lagging follower catches up in bounded steps. */
const MAX_BATCH = 500;

interface Progress {
  nextIndex: number;
  matchIndex: number;
  inflight: boolean;
  lastSentAt: number;
  lastSentSeq: number;
  /** Highest send sequence number this peer answered in our term. */
  ackSeq: number;
  /** Send time of the newest request it answered in our term. */
  lastAckAt: number;
  /** After a failed RPC, no retry before this time (a dead peer is not hammered). */
  retryAt: number;
}

interface PendingRead {
  key: string;
  /** The commit index to read at; null until this term's first entry is committed. */
  readIndex: number | null;
  /** Acks to requests with this send sequence number or later confirm leadership. */
  seq: number;
  confirmed: boolean;
  resolve: (value: { value: unknown; found: boolean }) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class Leader {
  readonly term: number;
  private readonly progress = new Map<string, Progress>();
  private reads: PendingRead[] = [];
  private readSeqWanted = 0;
  private sendSeq = 0;
  private flushScheduled = false;
  private closed = false;

  constructor(private readonly node: RaftNode) {
    this.term = node.term;
    const start = now();
    for (const id of node.clients.keys()) {
      this.progress.set(id, {
        nextIndex: node.storage.lastIndex + 1,
        matchIndex: 0,
        inflight: false,
        lastSentAt: -Infinity,
        lastSentSeq: 0,
        ackSeq: 0,
        lastAckAt: start,
        retryAt: 0,
      });
    }
  }

  tick(): void {
    for (const id of this.progress.keys()) this.maybeSend(id);
  }

  /** True if a majority (counting us) answered a request sent within the last `windowMs`. */
  hasQuorumContact(windowMs: number): boolean {
    const since = now() - windowMs;
    let count = 1;
    for (const p of this.progress.values()) if (p.lastAckAt >= since) count++;
    return count >= this.node.majority;
  }

  propose(cmd: Command): Promise<ApplyResult & { index: number }> {
    const index = this.node.storage.lastIndex + 1;
    this.node.storage.append([{ term: this.term, cmd }]);
    const done = this.node.writes.add(index, this.term);
    this.scheduleReplication();
    return done;
  }

  read(key: string): Promise<{ value: unknown; found: boolean }> {
    return new Promise((resolve, reject) => {
      const read: PendingRead = { key, readIndex: null, seq: 0, confirmed: false, resolve, reject, timer: undefined as unknown as NodeJS.Timeout };
      read.timer = setTimeout(() => {
        this.reads = this.reads.filter((r) => r !== read);
        reject(new RequestError(503, "no quorum", { definite: true }));
      }, this.node.config.requestTimeoutMs);
      this.reads.push(read);
      this.checkReads();
    });
  }

  /** Answers the reads whose leadership check passed and whose read index is applied. */
  checkReads(): void {
    if (this.closed || this.reads.length === 0) return;
    const node = this.node;
    let wanted = 0;
    this.reads = this.reads.filter((read) => {
      if (read.readIndex === null && node.storage.termAt(node.commitIndex) === this.term) {
        read.readIndex = node.commitIndex;
        read.seq = this.sendSeq + 1;
      }
      if (read.readIndex === null) return true;
      if (!read.confirmed) {
        let acks = 1;
        for (const p of this.progress.values()) if (p.ackSeq >= read.seq) acks++;
        read.confirmed = acks >= node.majority;
      }
      if (read.confirmed && node.lastApplied >= read.readIndex) {
        clearTimeout(read.timer);
        read.resolve(node.kv.get(read.key));
        return false;
      }
      if (!read.confirmed) wanted = Math.max(wanted, read.seq);
      return true;
    });
    if (wanted > this.readSeqWanted) {
      this.readSeqWanted = wanted;
      this.tick();
    }
  }

  close(error: Error): void {
    this.closed = true;
    for (const read of this.reads) {
      clearTimeout(read.timer);
      read.reject(error);
    }
    this.reads = [];
  }

  /** Group commit: entries proposed in the same turn of the event loop share one fsync. */
  private scheduleReplication(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this.closed || this.node.isStopped) return;
      this.flushAndCommit();
      this.tick();
    });
  }

  private flushAndCommit(): void {
    this.node.storage.flush();
    this.advanceCommit();
  }

  private maybeSend(id: string): void {
    const p = this.progress.get(id);
    if (!p || p.inflight || this.closed) return;
    const t = now();
    if (t < p.retryAt) return;
    const due = p.nextIndex <= this.node.storage.lastIndex || this.readSeqWanted > p.lastSentSeq || t - p.lastSentAt >= this.node.config.heartbeatMs;
    if (due) this.send(id, p, t);
  }

  private send(id: string, p: Progress, sentAt: number): void {
    const node = this.node;
    p.inflight = true; // before flushing: committing may re-enter tick()
    this.flushAndCommit(); // our own copy is durable before anyone can count it
    if (this.closed) return;
    const prevLogIndex = p.nextIndex - 1;
    const req: AppendRequest = {
      term: this.term,
      leaderId: node.id,
      prevLogIndex,
      prevLogTerm: node.storage.termAt(prevLogIndex),
      entries: node.storage.slice(p.nextIndex, MAX_BATCH),
      leaderCommit: node.commitIndex,
    };
    const seq = ++this.sendSeq;
    p.lastSentAt = sentAt;
    p.lastSentSeq = seq;
    node.clients
      .get(id)!
      .post<AppendResponse>("/raft/append", req)
      .then(
        (resp) => this.onAppendResponse(p, req, seq, sentAt, resp),
        () => {
          p.retryAt = now() + node.config.heartbeatMs;
        },
      )
      .finally(() => {
        p.inflight = false;
        if (!this.closed && !node.isStopped) this.maybeSend(id);
      });
  }

  private onAppendResponse(p: Progress, req: AppendRequest, seq: number, sentAt: number, resp: AppendResponse): void {
    if (this.node.isStopped) return;
    if (resp.term > this.node.term) return this.node.becomeFollower(resp.term, null);
    if (this.closed || resp.term !== this.term) return;
    this.node.heardFromPeer();
    p.ackSeq = Math.max(p.ackSeq, seq);
    p.lastAckAt = Math.max(p.lastAckAt, sentAt);
    if (resp.success) {
      p.matchIndex = Math.max(p.matchIndex, resp.matchIndex);
      p.nextIndex = Math.max(p.nextIndex, p.matchIndex + 1);
      this.advanceCommit();
    } else {
      p.nextIndex = Math.max(1, Math.min(req.prevLogIndex, resp.conflictIndex));
      p.matchIndex = Math.min(p.matchIndex, p.nextIndex - 1);
    }
    this.checkReads();
  }

  /** Commits the highest index stored by a majority, if it is from our term (Raft §5.4.2). */
  private advanceCommit(): void {
    const node = this.node;
    if (this.closed) return;
    const matches = [node.storage.durableIndex, ...[...this.progress.values()].map((p) => p.matchIndex)].sort((a, b) => b - a);
    const n = matches[node.majority - 1]!;
    if (n > node.commitIndex && node.storage.termAt(n) === this.term) {
      node.commitIndex = n;
      node.applyCommitted();
    }
  }
}
