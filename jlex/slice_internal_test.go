package jlex

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestIndexObjectsEnd: indexObjectsEnd finds what bytes.Index finds, on
// arrays of objects with IPv6 brackets in their strings, brackets and
// braces anywhere, and the edge cases.
func TestIndexObjectsEnd(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	parts := []string{`{"src":"[fd7a::1]:80"}`, `,`, `}`, `]`, `}]`, `]]`, `{`, `"x"`, `[1]`, `{"a":[{}]}`}
	cases := []string{"", "]", "}", "}]", "]}]", "x}]", "}}]]"}
	for range 3000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		cases = append(cases, b.String())
	}
	for _, c := range cases {
		assert.Equal(t, bytes.Index([]byte(c), []byte("}]")), indexObjectsEnd([]byte(c)), "%q", c)
	}
}
