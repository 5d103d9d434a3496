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
// escapes are honoured; numbers and literals are not validated. The fast
// path takes 16 bytes at a time, with no branch per quote: it tracks which
// bytes are inside strings with bit operations, and stops only at brackets
// outside strings and at what needs a closer look (escapes, control bytes in
// strings, unusual bytes after a string). The buffer holds at most MaxRecordSize
// plus one read chunk, whatever the size of the input (it grows to about 32
// records of the size recently seen, so that few records are cut by its
// end), and steady-state
// scanning does not allocate.
//
// # Records a decoder takes whole
//
// With SetTake, a record that starts with '{' where a record may start is
// first offered to a decoder, which reads it from the buffer in place and
// says where it ends; the Scanner checks that its own rules would have
// found the same record, good, and then reports it without scanning its
// bytes itself. Only when the decoder cannot take a record (it is bad, or
// not all of it has been read yet) does the Scanner frame it by the rules
// above and below. Either way the records reported are the same.
//
// # Bad records and resynchronisation
//
// A bad record is reported by Next like a good one, with Err set and Bytes
// holding the bytes that were skipped, so that they can be written to a
// dead-letter file; scanning then goes on. Bytes of every record, good or bad,
// are the input bytes at [Offset, Offset+len(Bytes)), and offsets strictly
// increase. Usually the bad record is all that is lost; the exceptions are
// noted below.
//
// Garbage between records: in a stream, bytes that cannot start a record
// (anything but '{' and '[') up to the next '{' form one bad record; in an
// array, unexpected bytes after an element up to the next ',', ']' or '{';
// in an API object, unexpected bytes up to the next ',', '}' or '"'. The
// whitespace before the next record is not part of the bad record. Some
// slips that lose nothing are tolerated without an error: a missing comma
// before an object element of an array, empty array elements, a trailing
// comma, and a missing ':' or ',' in the API object.
//
// A record broken inside is repaired locally, so that its bracket structure,
// and with it the start of the next record, is found again; it is reported
// with the first problem seen. None of these repairs fires on valid JSON (but
// for the unindented pretty-printing noted below), so valid records are
// always split exactly.
//
//   - A closing bracket of the wrong kind closes everything up to the
//     matching open bracket, or is ignored if there is none: `{"a":[1}` ends
//     at its '}', `{"a":1]}` at its '}'.
//   - In a stream, a '{' right after a newline inside a record ends that
//     record, cut at the end of its line ("truncated record"), and starts the
//     next record: whatever came before it, the next line of NDJSON is read
//     on its own, so that one cut line costs exactly that line, even when it
//     was cut right after ':', ',' or '[' where a value is due. (Indented
//     pretty-printing never puts a '{' at the start of a line inside a
//     record; pretty-printing with no indentation at all is the one valid
//     input this splits.)
//   - A '{' where no value can start (the previous significant byte is not
//     ':', ',' or '['; for example `}{`, `1 {`, `"x"{`) ends the broken record
//     just before it (the record lacked closing brackets), and starts the next
//     record. This resynchronises a concatenated stream (`{...}{...}`) after a
//     truncated record at the first `}{`. (A '[' there is reported and
//     nested.) In a stream with no newlines, a record cut right after ':', ','
//     or '[' takes the next record in as a value, and is reported together
//     with it.
//   - A closing quote followed by anything but whitespace and ':', ',', '}',
//     ']', '{', '[' was an unescaped quote inside the string, which goes on
//     from that byte: `{"m":"say "hi" now"}` is one (bad) record. (A record
//     cut inside a string, in a stream without separators, takes the next
//     record in this way.)
//   - A raw newline inside a string (never valid JSON) ends the record just
//     before it, and scanning resumes on the next line: NDJSON resynchronises
//     after a line cut off inside a string.
//   - Nesting deeper than Options.MaxDepth (by default the decoder's limit,
//     128 levels) is an error; the record's end is still found by counting
//     brackets.
//
// A record longer than Options.MaxRecordSize is an error ("record exceeds the
// N-byte limit", taking precedence over any other problem of the record). Its
// Bytes are exactly its first MaxRecordSize bytes; the rest is scanned by the
// same rules, so that the record ends where it would without the limit, but
// not buffered. (The values skipped in an API object are not records: a long
// one is no error.)
//
// A record still open at the end of the input is reported as truncated
// ("truncated input: unterminated object"); every record before it has been
// delivered. An array or API object left open at the end of the input, between
// records, is reported the same way, as a bad record with no bytes at the end
// of the input ("truncated input: the array is not closed"), so that a cut
// download never looks complete.
package stream
