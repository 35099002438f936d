/** A node as the netns backend places it. */
export interface NetnsMember {
  name: string;
  index: number;
  /** The node's own IP on the cluster bridge. */
  host: string;
  namespace: string;
}
