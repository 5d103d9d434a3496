// Package serve is the HTTP(S) receiver behind "tslogs serve": it accepts
// Tailscale log streaming for the Panther destination (POST / or /v1/ingest,
// Authorization: Bearer) and the Splunk destination (POST
// /services/collector/event, HTTP Basic or "Authorization: Splunk"), turns
// every record into a Panther-style row and appends the rows to one file per
// log type per hour.
//
// # Durability
//
// A request is answered 2xx only after all of its rows (and its dead-letter
// lines) have been written to their files with one write per file and the
// files fsynced (fdatasync on Linux). A failure of the sink answers 503, so
// the sender retries. Writers to the same file are serialised and grouped:
// batches that arrive while a write+fsync is in progress are written together
// by the next one (group commit), and every batch of the group is answered
// with the outcome of that one write+fsync.
//
// A batch always ends with a newline, so a row is complete on disk exactly
// when its line ends with '\n'. When a write or fsync fails, the file is
// truncated back to its last acknowledged size and reopened on the next
// batch. When a file is opened (at startup for all files of this host, and
// whenever a file is reopened), anything after its last newline, a torn row
// left by a crash in the middle of a write, is truncated away: it was never
// acknowledged, so its sender retried it. Rows of a batch that was written
// but not acknowledged (a crash between write and reply, or a failed fsync
// whose data reached the disk anyway) may be stored twice after the retry:
// delivery is at least once, never lost once acknowledged.
//
// # Layout
//
//	OUT/network/2026/06/03/tailscale-network-2026060315-HOST.ndjson
//	OUT/audit/2026/06/03/tailscale-audit-2026060315-HOST.ndjson
//	OUT/deadletter/2026/06/03/tailscale-deadletter-2026060315-HOST.ndjson
//
// The hour is the UTC hour at which the batch reached the sink (never going
// backwards within one process). Files of past hours are closed on the hour
// and, with GzipClosed, compressed to NAME.ndjson.gz (written to a temporary
// file, fsynced and renamed, then the original is removed). HOST lets several
// receivers share one storage; a lock file OUT/.lock-HOST keeps two receivers
// with the same host name from writing the same files.
package serve
