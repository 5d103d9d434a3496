package jlex_test

import (
	"math/rand/v2"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tslogs/tslogs/jlex"
)

var addrInputs = []string{
	// IPv4
	"1.2.3.4", "0.0.0.0", "255.255.255.255", "127.3.3.40", "100.64.0.1",
	"256.1.1.1", "1.2.3.256", "1.2.3.999", "1.2.3.1000", "1.2.3", "1.2.3.4.5", "1", "1.2",
	"01.2.3.4", "1.02.3.4", "1.2.3.00", "1.2.3.0", "1.2.3.010",
	"1..2.3", ".1.2.3", "1.2.3.", "1.2.3.4 ", " 1.2.3.4", "1.2.3.-4", "1.2.3.+4",
	"1.2.3.4a", "a.b.c.d", "0x1.2.3.4", "1.2.3.4/24", "1.2.3.4:80", "1.2.3.4%eth0",
	"", ".", "...", "localhost", "example.com",
	// IPv6
	"::", "::1", "fd7a:115c:a1e0::1", "FD7A:115C:A1E0::1", "fd7a:115c:a1e0:ab12:4843:cd96:626b:430b",
	"2001:db8:0:0:0:0:0:1", "2001:0db8:0000:0000:0000:0000:0000:0001", "1:2:3:4:5:6:7:8",
	"1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1::2::3", ":::", "1:::2", ":1::", "1:", ":1",
	"12345::", "g::1", "::g", "[::1]", "::1]", "::/0", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
	// IPv4 in IPv6
	"::ffff:1.2.3.4", "::ffff:01.2.3.4", "::1.2.3.4", "64:ff9b::1.2.3.4", "1:2:3:4:5:6:1.2.3.4",
	"1:2:3:4:5:6:7:1.2.3.4", "::ffff:1.2.3", "::ffff:1.2.3.4.5", "::ffff:256.2.3.4", "::1.2.3.4:5",
	// zones
	"fe80::1%eth0", "fe80::1%1", "fe80::1%", "::1%lo", "fe80::1%en0.1", "fe80::1%eth0%1",
	"fe80::1%eth 0", "fe80::1%\xff", "::ffff:1.2.3.4%eth0", "%eth0", "fe80::x%eth0",
}

func TestParseAddr(t *testing.T) {
	inputs := append([]string(nil), addrInputs...)
	// Every octet text at every position of an IPv4 address.
	for _, o := range []string{"0", "1", "9", "10", "99", "100", "199", "200", "249", "250", "255", "256", "260", "300", "999", "00", "01", "001", "010", "1000", "", "-1", "a", "1a", " 1"} {
		for pos := 0; pos < 4; pos++ {
			parts := []string{"10", "20", "30", "40"}
			parts[pos] = o
			inputs = append(inputs, strings.Join(parts, "."))
		}
	}
	for _, s := range inputs {
		t.Run(s, func(t *testing.T) {
			want, err := netip.ParseAddr(s)
			got, ok := jlex.ParseAddr(s)
			assert.Equal(t, err == nil, ok, "netip.ParseAddr error: %v", err)
			assert.Equal(t, want, got)
		})
	}
}

type splitCase struct {
	src        string
	host, port string
	ok         bool // SplitHostPort
	addr       string
	addrOK     bool
	portNum    int32
	portOK     bool
}

var splitCases = []splitCase{
	{src: "1.2.3.4:80", host: "1.2.3.4", port: "80", ok: true, addr: "1.2.3.4", addrOK: true, portNum: 80, portOK: true},
	{src: "[fd7a:115c:a1e0::1]:41641", host: "fd7a:115c:a1e0::1", port: "41641", ok: true, addr: "fd7a:115c:a1e0::1", addrOK: true, portNum: 41641, portOK: true},
	{src: "[::ffff:1.2.3.4]:80", host: "::ffff:1.2.3.4", port: "80", ok: true, addr: "::ffff:1.2.3.4", addrOK: true, portNum: 80, portOK: true},
	{src: "127.3.3.40:12", host: "127.3.3.40", port: "12", ok: true, addr: "127.3.3.40", addrOK: true, portNum: 12, portOK: true},
	{src: "100.101.102.103:0", host: "100.101.102.103", port: "0", ok: true, addr: "100.101.102.103", addrOK: true, portNum: 0, portOK: true},
	{src: "1.2.3.4:65535", host: "1.2.3.4", port: "65535", ok: true, addr: "1.2.3.4", addrOK: true, portNum: 65535, portOK: true},
	{src: "1.2.3.4:65536", host: "1.2.3.4", port: "65536", ok: true, addr: "1.2.3.4", addrOK: true},
	{src: "1.2.3.4:99999999999", host: "1.2.3.4", port: "99999999999", ok: true, addr: "1.2.3.4", addrOK: true},
	{src: "1.2.3.4:080", host: "1.2.3.4", port: "080", ok: true, addr: "1.2.3.4", addrOK: true, portNum: 80, portOK: true},
	{src: "1.2.3.4:0000080", host: "1.2.3.4", port: "0000080", ok: true, addr: "1.2.3.4", addrOK: true, portNum: 80, portOK: true},
	{src: "1.2.3.4:-1", host: "1.2.3.4", port: "-1", ok: true, addr: "1.2.3.4", addrOK: true},
	{src: "1.2.3.4:+80", host: "1.2.3.4", port: "+80", ok: true, addr: "1.2.3.4", addrOK: true},
	{src: "1.2.3.4:8a", host: "1.2.3.4", port: "8a", ok: true, addr: "1.2.3.4", addrOK: true},
	{src: "1.2.3.4: 80", host: "1.2.3.4", port: " 80", ok: true, addr: "1.2.3.4", addrOK: true},
	{src: "1.2.3.4:", host: "1.2.3.4", port: "", ok: true, addr: "1.2.3.4", addrOK: true},
	{src: "1.2.3.4", host: "1.2.3.4", port: "", ok: true, addr: "1.2.3.4", addrOK: true},
	{src: "01.2.3.4:80", host: "01.2.3.4", port: "80", ok: true, portNum: 80, portOK: true},
	{src: "1.2.3:80", host: "1.2.3", port: "80", ok: true, portNum: 80, portOK: true},
	{src: "fd7a::1", ok: false},
	{src: "fd7a::1:80", ok: false},
	{src: "a:b:c", ok: false},
	{src: "host", host: "host", ok: true},
	{src: "example.com:443", host: "example.com", port: "443", ok: true, portNum: 443, portOK: true},
	{src: "[fd7a::1]", host: "fd7a::1", ok: true, addr: "fd7a::1", addrOK: true},
	{src: "[v6]", host: "v6", ok: true},
	{src: "[::1]:", host: "::1", ok: true, addr: "::1", addrOK: true},
	{src: ":80", host: "", port: "80", ok: true, portNum: 80, portOK: true},
	{src: "[]:80", host: "", port: "80", ok: true, portNum: 80, portOK: true},
	{src: "[::1]:80:1", ok: false},
	{src: "[::1]x", ok: false},
	{src: "[::1]x:80", ok: false},
	{src: "[::1", ok: false},
	{src: "", ok: false},
	{src: "[1.2.3.4]:80", host: "1.2.3.4", port: "80", ok: true, portNum: 80, portOK: true},
	{src: "[fe80::1%eth0]:80", host: "fe80::1%eth0", port: "80", ok: true, portNum: 80, portOK: true},
	{src: "fe80::1%eth0", ok: false},
}

func TestSplitHostPort(t *testing.T) {
	for _, tt := range splitCases {
		t.Run(tt.src, func(t *testing.T) {
			host, port, ok := jlex.SplitHostPort(tt.src)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.host, host)
			assert.Equal(t, tt.port, port)

			// net.SplitHostPort agrees whenever a port separator is present;
			// jlex also accepts a bare host.
			refHost, refPort, refErr := net.SplitHostPort(tt.src)
			afterBracket := tt.src[strings.LastIndexByte(tt.src, ']')+1:]
			switch {
			case !ok:
				assert.Error(t, refErr, "net.SplitHostPort accepts it")
			case strings.Contains(afterBracket, ":"):
				require.NoError(t, refErr, "net.SplitHostPort")
				assert.Equal(t, refHost, host, "net.SplitHostPort host")
				assert.Equal(t, refPort, port, "net.SplitHostPort port")
			}
		})
	}
}

func TestSplitAddrPortHost(t *testing.T) {
	for _, tt := range splitCases {
		t.Run(tt.src, func(t *testing.T) {
			var wantAddr netip.Addr
			if tt.addrOK {
				wantAddr = netip.MustParseAddr(tt.addr)
			}
			addr := netip.MustParseAddr("9.9.9.9") // must be overwritten
			assert.Equal(t, tt.addrOK, jlex.SplitAddr(tt.src, &addr), "SplitAddr")
			assert.Equal(t, wantAddr, addr, "SplitAddr")

			port := int32(-7)
			assert.Equal(t, tt.portOK, jlex.SplitPort(tt.src, &port), "SplitPort")
			assert.Equal(t, tt.portNum, port, "SplitPort")

			host := "old"
			wantHostOK := tt.ok && tt.host != ""
			assert.Equal(t, wantHostOK, jlex.SplitHost(tt.src, &host), "SplitHost")
			if wantHostOK {
				assert.Equal(t, tt.host, host, "SplitHost")
			} else {
				assert.Equal(t, "", host, "SplitHost")
			}

			// netip.ParseAddrPort agrees on zone-free address:port text.
			if ap, err := netip.ParseAddrPort(tt.src); err == nil && ap.Addr().Zone() == "" {
				assert.True(t, tt.addrOK, "netip.ParseAddrPort accepts it")
				assert.Equal(t, ap.Addr(), addr, "netip.ParseAddrPort")
				assert.True(t, tt.portOK, "netip.ParseAddrPort accepts it")
				assert.Equal(t, int32(ap.Port()), port, "netip.ParseAddrPort")
			}
		})
	}
}

// addrPortInputs returns the split cases, the address inputs, and random
// strings near IPv4:port.
func addrPortInputs() []string {
	inputs := []string{}
	for _, tt := range splitCases {
		inputs = append(inputs, tt.src)
	}
	inputs = append(inputs, addrInputs...)
	r := rand.New(rand.NewPCG(9, 10))
	pieces := []string{"0", "1", "00", "01", "9", "10", "25", "255", "256", "300", "1000", ".", ":", "::", "[", "]", "a", "-", "65535", "65536", "080", "99999", "100000", "%", ""}
	for n := 0; n < 20000; n++ {
		var b strings.Builder
		for k := 3 + r.IntN(8); k > 0; k-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		inputs = append(inputs, b.String())
		// Mostly well-formed a.b.c.d:p with one piece perturbed.
		parts := []string{strconv.Itoa(r.IntN(300)), ".", strconv.Itoa(r.IntN(300)), ".", strconv.Itoa(r.IntN(300)), ".", strconv.Itoa(r.IntN(300)), ":", strconv.Itoa(r.IntN(70000))}
		parts[r.IntN(len(parts))] = pieces[r.IntN(len(pieces))]
		inputs = append(inputs, strings.Join(parts, ""))
	}
	return inputs
}

// TestSplitAddrPort checks that the combined fast path agrees with SplitAddr
// and SplitPort on every input, including random ones near IPv4:port.
func TestSplitAddrPort(t *testing.T) {
	inputs := addrPortInputs()
	failures := 0
	for _, s := range inputs {
		var wantAddr, gotAddr netip.Addr
		var wantPort, gotPort int32
		wantHasAddr, wantHasPort := jlex.SplitAddr(s, &wantAddr), jlex.SplitPort(s, &wantPort)
		gotHasAddr, gotHasPort := jlex.SplitAddrPort(s, &gotAddr, &gotPort)
		if gotHasAddr != wantHasAddr || gotAddr != wantAddr || gotHasPort != wantHasPort || gotPort != wantPort {
			t.Errorf("SplitAddrPort(%q) = %v %v, %v %v; SplitAddr, SplitPort = %v %v, %v %v",
				s, gotHasAddr, gotAddr, gotHasPort, gotPort, wantHasAddr, wantAddr, wantHasPort, wantPort)
			if failures++; failures == 10 {
				return
			}
		}
	}
}

// TestLexerSplitAddrPort checks the lexer's SplitAddrPort, which takes
// hosts from its tables, against SplitAddr and SplitPort, over every input
// three times in shuffled order with one lexer, so that hosts are parsed,
// remembered, found and evicted.
func TestLexerSplitAddrPort(t *testing.T) {
	inputs := addrPortInputs()
	for _, h := range []string{"100.64.0.1", "100.64.0.10", "1.2.3.4", "1.2.3.45", "[::1]", "[::10]", "[fd7a:115c:a1e0::1]", "[fd7a:115c:a1e0::10]"} {
		for _, port := range []string{"0", "443", "65536", ""} {
			inputs = append(inputs, h+":"+port, h+"x"+port)
		}
	}
	r := rand.New(rand.NewPCG(11, 12))
	var l jlex.Lexer
	failures := 0
	for range 3 {
		r.Shuffle(len(inputs), func(i, j int) { inputs[i], inputs[j] = inputs[j], inputs[i] })
		for _, s := range inputs {
			var wantAddr, gotAddr netip.Addr
			var wantPort, gotPort int32
			wantHasAddr, wantHasPort := jlex.SplitAddr(s, &wantAddr), jlex.SplitPort(s, &wantPort)
			gotHasAddr, gotHasPort := l.SplitAddrPort(s, &gotAddr, &gotPort)
			if gotHasAddr != wantHasAddr || gotAddr != wantAddr || gotHasPort != wantHasPort || gotPort != wantPort {
				t.Errorf("Lexer.SplitAddrPort(%q) = %v %v, %v %v; SplitAddr, SplitPort = %v %v, %v %v",
					s, gotHasAddr, gotAddr, gotHasPort, gotPort, wantHasAddr, wantAddr, wantHasPort, wantPort)
				if failures++; failures == 10 {
					return
				}
			}
		}
	}
}

func TestSplitPart(t *testing.T) {
	srcs := []string{"a", "a:b", "a:b:c", ":", "::", "a::b", ":a", "a:", "a,b,,c", "1.2.3.4:80", "[::1]:80", "abab", "aXbXc", "é:ü", "x"}
	seps := []string{":", ",", "::", "ab", "X", "é"}
	for _, src := range srcs {
		for _, sep := range seps {
			parts := strings.Split(src, sep)
			for index := 0; index <= len(parts)+1; index++ {
				want, wantOK := "", false
				if index < len(parts) {
					want, wantOK = parts[index], true
				}
				got, ok := jlex.SplitPart(src, sep, index)
				assert.Equalf(t, wantOK, ok, "SplitPart(%q, %q, %d)", src, sep, index)
				assert.Equalf(t, want, got, "SplitPart(%q, %q, %d)", src, sep, index)

				s := "old"
				assert.Equalf(t, wantOK, jlex.SplitString(src, sep, index, &s), "SplitString(%q, %q, %d)", src, sep, index)
				assert.Equalf(t, want, s, "SplitString(%q, %q, %d)", src, sep, index)
			}
		}
	}
	t.Run("empty source is absent", func(t *testing.T) {
		// strings.Split("", sep) has one empty part; jlex treats an empty
		// source as absent.
		got, ok := jlex.SplitPart("", ":", 0)
		assert.False(t, ok)
		assert.Equal(t, "", got)
		s := "old"
		assert.False(t, jlex.SplitString("", ":", 0, &s))
		assert.Equal(t, "", s)
	})
}

var jsonInteger = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)

func TestSplitInt(t *testing.T) {
	srcs := []string{
		"1:2", "1.2.3.4:80", "a:-5", "a:0", "a:-0", "a:01", "a:+1", "a: 1", "a:1 ", "a:1.5", "a:1e3", "a:x",
		"a:32767", "a:32768", "a:-32768", "a:-32769", "a:2147483647", "a:2147483648", "a:-2147483649",
		"a:9223372036854775807", "a:9223372036854775808", "a:-9223372036854775808", "a:", ":", "12", "-",
		"1:2:3",
	}
	for _, src := range srcs {
		parts := strings.Split(src, ":")
		for index := 0; index < len(parts)+1; index++ {
			part := ""
			if index < len(parts) {
				part = parts[index]
			}
			for _, bits := range []int{16, 32, 64} {
				ref, err := strconv.ParseInt(part, 10, bits)
				wantOK := err == nil && jsonInteger.MatchString(part)
				if !wantOK {
					ref = 0
				}
				var got int64
				var ok bool
				switch bits {
				case 16:
					v := int16(99)
					ok = jlex.SplitInt(src, ":", index, &v)
					got = int64(v)
				case 32:
					v := int32(99)
					ok = jlex.SplitInt(src, ":", index, &v)
					got = int64(v)
				case 64:
					v := int64(99)
					ok = jlex.SplitInt(src, ":", index, &v)
					got = v
				}
				assert.Equalf(t, wantOK, ok, "SplitInt[int%d](%q, %d)", bits, src, index)
				assert.Equalf(t, ref, got, "SplitInt[int%d](%q, %d)", bits, src, index)
			}
		}
	}
}
