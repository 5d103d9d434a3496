// Package serve is the HTTP(S) receiver behind "tslogs serve": it accepts
// Tailscale log streaming for the Panther destination (POST / or /v1/ingest,
// Authorization: Bearer) and the Splunk destination (POST
// /services/collector/event, HTTP Basic or "Authorization: Splunk"), turns
// every record into a Panther-style row and appends the rows to one file per
// log type per hour.
//
// # Durability
//
// A request is answered 2xx only after all of its rows and dead-letter lines
// have been written to their files, the files fsynced (fdatasync on Linux),
// and the batch's commit line written to the journal (OUT/.journal-HOST) and
// fsynced. A batch is stored all or nothing: a failure anywhere truncates
// every file back to its committed size and answers 503, so the sender's
// retry stores it once; after a crash, bytes beyond a file's committed size
// are truncated when it is opened. The journal also remembers the digests
// of committed bodies, so that a retry whose first try was stored (a reply
// lost to a crash or a timeout) is acknowledged without being stored twice.
// Batches that arrive while a commit is in progress are committed together
// by the next one (group commit).
//
// # Resources
//
// Bodies are read whole into memory reserved from Config.MaxInflightBytes
// (503 beyond), at no less than Config.MinBodyRate, then parsed in one of
// Config.MaxConcurrent slots; records, rows and dead-letter lines are
// bounded, so that MemoryBound holds whatever the bodies contain.
//
// # Layout
//
//	OUT/network/2026/06/03/tailscale-network-2026060315-HOST.ndjson
//	OUT/audit/2026/06/03/tailscale-audit-2026060315-HOST.ndjson
//	OUT/deadletter/2026/06/03/tailscale-deadletter-2026060315-HOST.ndjson
//
// The hour is the UTC hour at which the batch reached the sink (never going
// backwards, even across restarts). Files of past hours are closed on the hour
// and, with GzipClosed, compressed to NAME.ndjson.gz (written to a temporary
// file, fsynced and renamed, then the original is removed). HOST lets several
// receivers share one storage: a receiver touches only files whose names
// parse as its own exactly, and a lock file OUT/.lock-HOST keeps two
// receivers with the same host name from writing the same files. No symbolic
// link inside OUT is followed.
package serve
