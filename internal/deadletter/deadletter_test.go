package deadletter_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tslogs/tslogs/internal/deadletter"
)

func TestAppendRawMember(t *testing.T) {
	assert.Equal(t, `{"raw":"{\"a\":\"é\"}"}`, string(append(deadletter.AppendRawMember([]byte(`{`), []byte(`{"a":"é"}`)), '}')))
	// 0xff is not UTF-8: base64 keeps every byte ("e/8=" is 0x7b 0xff).
	assert.Equal(t, `{"x":1,"raw_base64":"e/8="}`, string(append(deadletter.AppendRawMember([]byte(`{"x":1`), []byte{'{', 0xff}), '}')))
}
