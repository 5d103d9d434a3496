package tailscale

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Framing errors keep their kind through RecordError, so callers can tell a
// truncated input from garbage or an oversized record with errors.Is.
func TestReaderFramingErrorKinds(t *testing.T) {
	good := `{"time":1780500887.356,"event":{"nodeId":"n1","start":"2026-06-03T15:34:42Z"}}`
	cases := []struct {
		name  string
		input string
		max   int
		want  error
	}{
		{"garbage", good + "xyz" + good, 0, ErrSyntax},
		{"truncated", good + good[:40], 0, ErrTruncated},
		{"oversized", good + `{"time":1,"event":{"nodeId":"` + strings.Repeat("a", 300) + `"}}` + good, 200, ErrRecordTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(c.input), ReaderOptions{MaxRecordSize: c.max})
			var errs []error
			good := 0
			for r.Next() {
				if err := r.Err(); err != nil {
					errs = append(errs, err)
				} else {
					good++
				}
			}
			require.NoError(t, r.Fatal())
			require.Len(t, errs, 1)
			var re *RecordError
			require.ErrorAs(t, errs[0], &re)
			assert.ErrorIs(t, errs[0], c.want)
			assert.GreaterOrEqual(t, good, 1)
		})
	}
}
