// Package roundtrip checks generated encoders for the tests of generated
// packages: a decoded record written with AppendJSON must be valid JSON that
// encoding/json accepts, MarshalJSON must write the same bytes, and decoding
// the output must give the same record, presence bits included.
package roundtrip

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tslogs/tslogs/jlex"
)

// Record is what a generated root type offers.
type Record interface {
	Decode(data []byte) error
	AppendJSON(dst []byte) []byte
	MarshalJSON() ([]byte, error)
	AppendRow(dst []byte, m *jlex.RowMeta) []byte
	AppendDecodedRow(dst []byte, m *jlex.RowMeta) []byte
}

// Check writes v (a decoded record) with AppendJSON and returns the first
// way the output fails the encoder's promises, or nil:
//
//   - it is valid UTF-8, json.Valid accepts it and a json.Decoder decodes
//     it into an any, numbers as json.Number (the two must agree);
//   - AppendJSON appends: after a prefix, the prefix and the same bytes;
//   - MarshalJSON returns the same bytes, and json.Marshal of the value
//     (HTML escaping off) the same compacted, as encoding/json compacts and
//     validates what a MarshalJSON returns;
//   - Decode accepts it, and the value it gives equals v (see Diff);
//   - that value writes the same bytes again;
//   - AppendDecodedRow, which copies members from the text a value was
//     decoded from, writes the bytes AppendRow writes, for v and for that
//     value (whose text, AppendJSON's, is in producers' layout throughout).
//     v must not have been changed since it was decoded.
func Check[T any, P interface {
	*T
	Record
}](v P) error {
	out := v.AppendJSON(nil)
	if !utf8.Valid(out) {
		return fmt.Errorf("AppendJSON wrote invalid UTF-8: %q", out)
	}
	var m any
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber() // a json value may hold numbers beyond float64
	valid, uerr := json.Valid(out), dec.Decode(&m)
	if uerr == nil && dec.More() {
		uerr = errors.New("more than one value")
	}
	if !valid || uerr != nil {
		return fmt.Errorf("encoding/json rejects AppendJSON's output (json.Valid %v, Decoder.Decode: %v): %s", valid, uerr, out)
	}
	const prefix = `{"prefix":[`
	if got := v.AppendJSON([]byte(prefix)); string(got) != prefix+string(out) {
		return fmt.Errorf("AppendJSON after a prefix wrote\n%s\nnot the prefix and\n%s", got, out)
	}
	if got, err := v.MarshalJSON(); err != nil || !bytes.Equal(got, out) {
		return fmt.Errorf("MarshalJSON gave (%s, %v), AppendJSON\n%s", got, err, out)
	}
	var buf, compact bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := json.Compact(&compact, out); err != nil {
		return fmt.Errorf("json.Compact rejects AppendJSON's output: %v\n%s", err, out)
	}
	compact.WriteByte('\n')
	if err := enc.Encode(*v); err != nil || !bytes.Equal(buf.Bytes(), compact.Bytes()) {
		return fmt.Errorf("json.Marshal of the value gave (%s, %v), AppendJSON, compacted as encoding/json compacts it,\n%s", buf.Bytes(), err, compact.Bytes())
	}
	var w T
	if err := P(&w).Decode(out); err != nil {
		return fmt.Errorf("decoding AppendJSON's output: %v\n%s", err, out)
	}
	if d := Diff(v, &w); d != "" {
		return fmt.Errorf("decoding AppendJSON's output gave another value: %s\n%s", d, out)
	}
	if again := P(&w).AppendJSON(nil); !bytes.Equal(again, out) {
		return fmt.Errorf("the decoded output writes\n%s\nnot\n%s", again, out)
	}
	meta := &jlex.RowMeta{ParseTime: time.Unix(1700000000, 0).UTC(), RowID: "r"}
	row := v.AppendRow(nil, meta)
	if got := v.AppendDecodedRow(nil, meta); !bytes.Equal(got, row) {
		return fmt.Errorf("AppendDecodedRow wrote\n%s\nAppendRow\n%s", got, row)
	}
	if got := P(&w).AppendDecodedRow(nil, meta); !bytes.Equal(got, row) {
		return fmt.Errorf("decoded from AppendJSON's output\n%s\nAppendDecodedRow wrote\n%s\nAppendRow, of the value first decoded,\n%s", out, got, row)
	}
	return nil
}

// Target is a fuzz function: when data decodes as a T, Check must pass.
//
//	f.Fuzz(roundtrip.Target[tailscale.Network])
func Target[T any, P interface {
	*T
	Record
}](t *testing.T, data []byte) {
	t.Helper()
	v := P(new(T))
	if v.Decode(data) != nil {
		return
	}
	if err := Check[T, P](v); err != nil {
		t.Fatalf("input %q: %v", data, err)
	}
}

var (
	timeType = reflect.TypeFor[time.Time]()
	addrType = reflect.TypeFor[netip.Addr]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// Diff describes the first difference between the generated values *a and
// *b, by field path, or returns "". It compares every exported field and
// the presence bits (the unexported field present), and ignores the other
// unexported fields (a record's arena). A nil slice equals an empty one (a
// reused value keeps its slices' memory); times must be identical (instant,
// location, no monotonic reading); json values are compared with each
// invalid UTF-8 byte taken as U+FFFD, since the decoder keeps such bytes
// and the encoder replaces them.
func Diff(a, b any) string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if va.Type() != vb.Type() || va.Kind() != reflect.Pointer {
		return fmt.Sprintf("cannot compare %T with %T", a, b)
	}
	return diff("", va.Elem(), vb.Elem())
}

func diff(path string, a, b reflect.Value) string {
	switch t := a.Type(); {
	case t == timeType || t == addrType:
		if a.Interface() != b.Interface() {
			return fmt.Sprintf("%s: %v != %v", path, a.Interface(), b.Interface())
		}
	case t == rawType:
		if x, y := validUTF8(a.Bytes()), validUTF8(b.Bytes()); x != y {
			return fmt.Sprintf("%s: %s != %s", path, x, y)
		}
	case t.Kind() == reflect.Struct:
		for i := range t.NumField() {
			sf := t.Field(i)
			p := path + "." + sf.Name
			if !sf.IsExported() {
				if sf.Name == "present" && a.Field(i).Uint() != b.Field(i).Uint() {
					return fmt.Sprintf("%s: presence bits %b != %b", p, a.Field(i).Uint(), b.Field(i).Uint())
				}
				continue
			}
			if d := diff(p, a.Field(i), b.Field(i)); d != "" {
				return d
			}
		}
	case t.Kind() == reflect.Slice:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: length %d != %d", path, a.Len(), b.Len())
		}
		for i := range a.Len() {
			if d := diff(fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i)); d != "" {
				return d
			}
		}
	default:
		if a.Interface() != b.Interface() {
			return fmt.Sprintf("%s: %#v != %#v", path, a.Interface(), b.Interface())
		}
	}
	return ""
}

// validUTF8 is b with each invalid UTF-8 byte replaced by U+FFFD, as a
// conversion to runes does.
func validUTF8(b []byte) string { return string([]rune(string(b))) }
