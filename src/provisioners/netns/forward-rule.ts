/** The FORWARD rule that lets a bridge carry its own traffic (Docker sets FORWARD's policy to DROP). */
export function forwardRuleSpec(bridge: string, comment: string): string[] {
  return ["FORWARD", "-i", bridge, "-o", bridge, "-m", "comment", "--comment", comment, "-j", "ACCEPT"];
}
