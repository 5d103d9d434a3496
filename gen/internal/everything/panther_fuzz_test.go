package everything_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tslogs/tslogs/gen/internal/everything"
	"github.com/tslogs/tslogs/jlex"
)

// FuzzWebAccess decodes arbitrary input as a Custom.WebAccess record, whose
// schema uses custom time formats, validate rules, embedded JSON and every
// indicator kind. Whatever the input, decoding must not panic; a record that
// decodes gives a row that is valid JSON, the same row when decoded again
// into a value that held another record, and indicator accessors that do
// not panic.
func FuzzWebAccess(f *testing.F) {
	for _, seed := range []string{
		webAccess,
		`{"time":"10/Oct/2000:13:55:36 +0000"}`,
		`{"time":"10/Oct/2000:13:55:36 +0000","session":"{\"id\":\"s\",\"started\":\"1\"}","extra":"[1,{\"a\":\"\\u00e9\"}]"}`,
		`{"time":"31/Feb/2000:13:55:36 +0000"}`,
		`{"time":"10/oct/2000:13:55:36 -2359","queued":"31/12/9999 23:59:59.999","edgeStart":59999999999}`,
		`{"time":"10/Oct/2000:13:55:36 +0000","referer":"http://[::1%25eth0]:80/","vhost":"xn--zz.xn--bcher-kva","peers":["a:b:c","[x]:1"]}`,
		`{"time":"10/Oct/2000:13:55:36 +0000","session":"\"{\\\"id\\\":1}\""}`,
		`{"time":"10/Oct/2000:13:55:36 +0000","client":"{\"addr\":\"192.0.2.1:80\",\"agent\":\"curl\"}"}`,
		`{"time":"10/Oct/2000:13:55:36 +0000","client":{"addr":"[2001:db8::1]:443","agent":"x"}}`,
	} {
		f.Add([]byte(seed))
	}
	rowMeta := &jlex.RowMeta{ParseTime: time.Unix(0, 0), RowID: "r"}
	f.Fuzz(func(t *testing.T, data []byte) {
		var x everything.WebAccess
		if err := x.Decode(data); err != nil {
			if _, ok := err.(*jlex.Error); !ok {
				t.Fatalf("error %T is not a *jlex.Error: %v", err, err)
			}
			return
		}
		row := string(x.AppendRow(nil, rowMeta))
		if !json.Valid([]byte(row)) {
			t.Fatalf("row is not JSON: %s", row)
		}
		if decoded := string(x.AppendDecodedRow(nil, rowMeta)); decoded != row {
			t.Fatalf("AppendDecodedRow and AppendRow differ:\n%s\n%s", decoded, row)
		}
		var y everything.WebAccess
		if err := y.Decode([]byte(webAccess)); err != nil {
			t.Fatal(err)
		}
		if err := y.Decode(data); err != nil {
			t.Fatalf("decodes into a fresh value, not into a used one: %v", err)
		}
		if again := string(y.AppendRow(nil, rowMeta)); again != row {
			t.Fatalf("a used value decodes differently:\n%s\n%s", row, again)
		}
	})
}
