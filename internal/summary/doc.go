// Package summary aggregates Tailscale network flow and audit records into
// what people ask of them: who talked to whom, over what, how much, directly
// or relayed, and which security-relevant settings changed. tslogs stats
// prints a Summary and tslogs report draws one.
//
// # Counting each byte once
//
// The traffic kinds describe the same bytes at different layers (virtual,
// subnet and exit traffic inside the tunnel; physical traffic on the wire,
// WireGuard overhead included) and are never added together. Within a
// kind, both ends of a connection report it, from their own side: node A
// logs src A, dst B with A's tx and rx, node B logs src B, dst A with the
// directions mirrored (a subnet router or exit node logs the far side as
// the source). Both reports land in one conversation, keyed by the kind, the
// protocol, the two addresses and the service port (the well-known, else the
// non-ephemeral, else the lower of the two ports: the other port, usually
// ephemeral, is dropped, so conversations stay few). Each direction of a
// conversation counts once, from the sender's reports when the sender
// reported it, else from the receiver's. Where both ends reported, their
// counts are compared; a difference beyond the tolerance, after allowing for
// one unaligned window at each end (see Options), is a disagreement: a
// tampered or missing log. A report whose source is a Tailscale address the
// reporting node does not own (by the addresses of the record's own
// srcNode) is not a party to the flow (Tailscale's clients never send one):
// it is listed and left out of the counts. Records without srcNode (older
// clients) cannot be checked and are counted as unverified.
//
// Physical traffic cannot be matched across nodes (each names the peer's
// physical endpoint), so its total is the bytes senders reported sending;
// destinations 127.3.3.40:<region> are relayed through DERP, all others are
// direct.
//
// # Merging
//
// An Aggregate holds sums, maxima and sets only, so aggregates of parts of a
// stream read by several workers merge (Merge) into what one aggregate of
// the whole stream holds, as long as no limit of Options was reached.
//
// # Memory
//
// Every map is bounded by Options: conversations by MaxConversations
// (beyond it, entries count in their kind's total by their sender's tx, as
// Tailscale's documentation sums them, but in no conversation), nodes by
// MaxNodes, audit values by MaxDistinct per dimension, timeline buckets by
// MaxBuckets (the bucket width doubles when they would be exceeded), kept
// findings and examples by MaxFindings and MaxExamples.
package summary
