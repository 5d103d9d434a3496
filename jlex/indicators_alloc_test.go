//go:build !race

package jlex_test

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tslogs/tslogs/jlex"
)

// TestIndicatorScannersAllocs checks that the scanners allocate nothing for
// the values producers write, only where their doc comments say.
func TestIndicatorScannersAllocs(t *testing.T) {
	strs := make([]string, 0, 16)
	addrs := make([]netip.Addr, 0, 16)
	allocs := testing.AllocsPerRun(100, func() {
		s := jlex.AppendDomain(strs[:0], " example.com")
		s = jlex.AppendHostnameDomain(s, "db.example")
		s = jlex.AppendURLDomain(s, "https://user@example.com:8443/path?q=1")
		s = jlex.AppendNetAddrDomain(s, "db.internal:5432")
		s = jlex.AppendHash(s, "d41d8cd98f00b204e9800998ecf8427e", 32)
		s = jlex.AppendARN(s, "arn:aws:iam::123456789012:user/alice")
		s = jlex.AppendARNAccountID(s, "arn:aws:iam::123456789012:user/alice")
		s = jlex.AppendARNInstanceID(s, "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc")
		_ = jlex.AppendTrimmed(s, " trace ")
		a := jlex.AppendURLAddr(addrs[:0], "http://10.0.0.1:8080/x")
		a = jlex.AppendNetAddrAddr(a, "[2001:db8::2]:443")
		_ = jlex.AppendAddr(a, " 10.0.0.2")
	})
	assert.Zero(t, allocs)
}
