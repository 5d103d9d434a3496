// Package stream splits an input of Tailscale log records into raw JSON
// records. It only finds record boundaries: each record's bytes are handed to
// a separate decoder, which parses and validates them.
//
// # Input
//
// The input may be compressed; the compression is detected from its magic
// bytes: gzip (1f 8b, any number of concatenated members, as `cat a.gz b.gz`
// makes), zstd (28 b5 2f fd, any number of frames) or none. Offsets, sizes and
// limits are all of the decompressed stream. Options.MaxDecompressed bounds the
// decompressed size (a larger input ends scanning with ErrTooLarge).
//
// The decompressed input is a sequence of documents. A UTF-8 byte order mark
// and whitespace before a document are skipped. The framing of a document is
// chosen by its first byte:
//
//   - '[': FramingArray. Every element of the top-level array is one record
//     (an element need not be an object: `5` is a record too, which the decoder
//     will reject). The document ends with the array's ']'.
//   - '{' whose first key is "logs", "version" or "tailnetId": FramingAPI, the
//     REST API response {"logs":[...], "version":..., "tailnetId":...}. The
//     records are the elements of the "logs" array; the values of the other
//     keys are skipped, before or after "logs". The document ends with the
//     object's '}'.
//   - anything else: FramingStream, JSON objects concatenated with no
//     separator (`{...}{...}`, the body of a log-stream POST) or separated by
//     newlines (NDJSON, also CRLF) or any whitespace. It lasts until the end of
//     the input, except that a '[' where a record could start begins a new
//     (array) document.
//
// After an array or API document, the rest of the input is read as a new
// document, so the concatenation of several files (`cat a.json b.json`) works.
// Empty input yields no records and no error.
//
// # Finding a record's end
//
// A record ends at the bracket that matches its first one. Strings and their
// escapes are honoured; numbers and literals are not validated. Fast paths
// look at 8 bytes at a time for the bytes that matter ('"', '{', '}', '[',
// ']' outside strings; '"', '\\' and control bytes inside them). The buffer
// holds at most one record plus one read chunk, whatever the size of the
// input, and steady-state scanning does not allocate.
//
// # Bad records and resynchronisation
//
// A bad record is reported by Next like a good one, with Err set and Bytes
// holding the bytes that were skipped, so that they can be written to a
// dead-letter file; scanning then goes on. Bytes of every record, good or bad,
// are the input bytes at [Offset, Offset+len(Bytes)). The rules are:
//
//  1. Garbage between records: in a stream, bytes that cannot start a record
//     (anything but '{' and '[') up to the next '{' form one bad record; in an
//     array, unexpected bytes after an element up to the next ',', ']' or '{';
//     in an API object, unexpected bytes up to the next ',', '}' or '"'.
//     Trailing whitespace is not part of the bad record. (Leniencies that
//     lose nothing: a missing comma before an object element, empty array
//     elements, a trailing comma, and a missing ':' or ',' in the API object
//     are tolerated without an error.)
//  2. A record broken inside is repaired locally so that the bracket structure
//     (and with it the next record) is found again; the record is reported bad
//     with the first problem seen:
//     a. A closing bracket of the wrong kind closes everything up to the
//     matching open bracket, or is ignored if there is none: `{"a":[1}` ends
//     at its '}'.
//     b. A '{' where no value can start (the previous significant byte is not
//     ':', ',' or '['; for example `}{`, `1 {`, `"x"{`) ends the broken record
//     just before it (the record was missing closing brackets), and the '{'
//     starts the next record. This is what resynchronises a concatenated
//     stream after a truncated record. A '[' there is reported and nested.
//     c. A closing quote followed by something that cannot follow a string
//     (other than ':', ',', '}', ']', '{', '[') was an unescaped quote inside
//     the string: the string goes on from that byte.
//     d. A raw newline inside a string (never valid JSON) ends the record just
//     before it; scanning resumes on the next line. This resynchronises NDJSON
//     after a line cut off inside a string.
//     e. Nesting deeper than Options.MaxDepth is an error, and the record's
//     end is still found by counting brackets.
//  3. A record longer than Options.MaxRecordSize is an error
//     ("record exceeds the N-byte limit"); its first MaxRecordSize bytes are
//     kept as Bytes and the rest is scanned (the same rules apply) without
//     being buffered, and scanning resumes after its end.
//  4. A record still open at the end of the input is reported as truncated
//     ("truncated input: unterminated object"); every record before it has
//     been delivered. An array or API object left open at the end of the input
//     is not an error by itself.
//
// Rule 2 never fires on valid JSON, so a stream of valid records is always
// split exactly.
package stream
