package tailscale_test

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/tslogs/tslogs/tailscale"
)

// withoutRaw returns the size t would have without the fields that record
// where the fast path read it (raw*): its exported fields and its presence
// bits, laid out in the same order.
func withoutRaw(t reflect.Type) uintptr {
	var fields []reflect.StructField
	for i := range t.NumField() {
		f := t.Field(i)
		switch {
		case f.IsExported():
			fields = append(fields, reflect.StructField{Name: f.Name, Type: f.Type})
		case f.Name == "present":
			fields = append(fields, reflect.StructField{Name: "Present", Type: f.Type})
		}
	}
	return reflect.StructOf(fields).Size()
}

// TestRawFieldsInPadding: the offsets the fast path records for
// AppendDecodedRow go into the padding alignment leaves, so that traffic
// entries, which decoding writes by the thousand, are no larger for them.
func TestRawFieldsInPadding(t *testing.T) {
	for _, tc := range []struct {
		v     any
		extra uintptr
	}{
		{tailscale.NetworkTraffic{}, 0}, // 6 bytes after proto, 4 after each port
		// Strings and slices leave no padding: the fields come after the
		// presence bits.
		{tailscale.NetworkNode{}, 8},
		{tailscale.AuditActor{}, 8},
		{tailscale.AuditTarget{}, 8},
	} {
		typ := reflect.TypeOf(tc.v)
		assert.Equal(t, withoutRaw(typ)+tc.extra, typ.Size(), "%s", typ.Name())
	}
}
