/**
 * Peer RPC: HTTP POST with a JSON body and a short timeout. Each peer has a small keep-alive
 * agent; a request that times out destroys its socket, so a partitioned link fails fast and
 * never piles up requests.
 */
import * as http from "node:http";
import type { PeerAddress } from "./types";

export class PeerClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4, maxFreeSockets: 2 });
  private closed = false;

  constructor(
    readonly peer: PeerAddress,
    private readonly timeoutMs: number,
    private readonly fromId: string,
  ) {}

  post<T>(path: string, body: unknown): Promise<T> {
    if (this.closed) return Promise.reject(new Error("peer client closed"));
    const payload = Buffer.from(JSON.stringify(body));
    return new Promise<T>((resolve, reject) => {
      const req = http.request({
        host: this.peer.host,
        port: this.peer.port,
        method: "POST",
        path,
        agent: this.agent,
        headers: { "content-type": "application/json", "content-length": payload.length, "x-node-id": this.fromId },
      });
      const timer = setTimeout(() => req.destroy(Object.assign(new Error(`rpc ${path} to ${this.peer.id} timed out`), { code: "ETIMEDOUT" })), this.timeoutMs);
      req.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", (error) => {
          clearTimeout(timer);
          reject(error);
        });
        res.on("end", () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString("utf8");
          if (res.statusCode !== 200) return reject(new Error(`rpc ${path} to ${this.peer.id}: HTTP ${res.statusCode} ${text.slice(0, 200)}`));
          try {
            resolve(JSON.parse(text) as T);
          } catch (error) {
            reject(error as Error);
          }
        });
      });
      req.end(payload);
    });
  }

  close(): void {
    this.closed = true;
    this.agent.destroy();
  }
}
