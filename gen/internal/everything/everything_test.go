package everything_test

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tslogs/tslogs/gen/internal/everything"
	"github.com/tslogs/tslogs/jlex"
)

// full sets every field of a Test.Everything record, some in more than one
// way (a protocol name, a numeric string timestamp, an IPv6 endpoint), plus
// an unknown field that must be skipped.
const full = `{
	"time": 1700000000.5,
	"id": "rec-1",
	"name": "caf\u00e9 \"quoted\"",
	"small": -12,
	"proto": "TCP",
	"count": 2147483647,
	"total": -9007199254740993,
	"ratio": 0.25,
	"enabled": true,
	"extra": {"k": [1, 2, {"n": null}], "s": "x y"},
	"tsMs": 1700000000123,
	"tsUs": 1700000000123456,
	"tsNs": 1700000000123456789,
	"tsRfc": "2023-11-14T23:13:20.5+01:00",
	"tsAny": "2023-11-14T22:13:20Z",
	"tsLegacy": "1700000000999",
	"clientIp": "192.0.2.10",
	"site": "example.com",
	"actor": {
		"id": "u-42",
		"email": "alice@example.com",
		"seenAt": "2023-11-14T22:00:00Z",
		"device": {
			"hostname": "laptop.example.com",
			"endpoint": "[2001:db8::1]:41641",
			"endpointIp": "ignored: split fields are derived, never read",
			"location": {"city": "Z\u00fcrich", "observedAt": 1699999999000}
		}
	},
	"quirks": {"s": "192.0.2.99:7"},
	"tags": ["a", "b"],
	"addresses": ["100.64.0.1", "fd7a:115c:a1e0::1", "not-an-ip", "100.64.0.1"],
	"emails": ["bob@example.com", "nobody", "alice@example.com"],
	"owners": ["carol@example.com", "u-7"],
	"domains": ["b.example", "a.example", ""],
	"smalls": [1, -2, 32767],
	"ints": [0, -2147483648],
	"bigints": [9223372036854775807],
	"floats": [1.5, -0.001],
	"flags": [true, false],
	"times": [1700000000000, "2023-11-14T22:13:21Z"],
	"blobs": [1, "two", [3], {"four": 4}, null],
	"srcPeers": [
		{"addr": "peer.example:443", "ips": ["10.0.0.1"]},
		{"addr": "[::1]:80"}
	],
	"dstPeers": [{"addr": "noport.example", "ips": ["10.0.0.2", "bogus"]}],
	"src": "10.1.2.3:5555",
	"path": "/api/v2/users",
	"ticket": "4711-backend",
	"unknown": {"skipped": [1, 2, {"deep": true}]}
}`

// fullRow is full as a row: fields in schema order with split fields beside
// their sources, timestamps in RFC 3339 UTC, then the p_ fields.
const fullRow = `{
	"time": "2023-11-14T22:13:20.5Z",
	"id": "rec-1",
	"name": "café \"quoted\"",
	"small": -12,
	"proto": 6,
	"count": 2147483647,
	"total": -9007199254740993,
	"ratio": 0.25,
	"enabled": true,
	"extra": {"k": [1, 2, {"n": null}], "s": "x y"},
	"tsMs": "2023-11-14T22:13:20.123Z",
	"tsUs": "2023-11-14T22:13:20.123456Z",
	"tsNs": "2023-11-14T22:13:20.123456789Z",
	"tsRfc": "2023-11-14T22:13:20.5Z",
	"tsAny": "2023-11-14T22:13:20Z",
	"tsLegacy": "2023-11-14T22:13:20.999Z",
	"clientIp": "192.0.2.10",
	"site": "example.com",
	"actor": {
		"id": "u-42",
		"email": "alice@example.com",
		"seenAt": "2023-11-14T22:00:00Z",
		"device": {
			"hostname": "laptop.example.com",
			"endpoint": "[2001:db8::1]:41641",
			"endpointIp": "2001:db8::1",
			"endpointPort": 41641,
			"location": {"city": "Zürich", "observedAt": "2023-11-14T22:13:19Z"}
		}
	},
	"quirks": {"s": "192.0.2.99:7", "l": "192.0.2.99", "type": 7},
	"tags": ["a", "b"],
	"addresses": ["100.64.0.1", "fd7a:115c:a1e0::1", "not-an-ip", "100.64.0.1"],
	"emails": ["bob@example.com", "nobody", "alice@example.com"],
	"owners": ["carol@example.com", "u-7"],
	"domains": ["b.example", "a.example", ""],
	"smalls": [1, -2, 32767],
	"ints": [0, -2147483648],
	"bigints": [9223372036854775807],
	"floats": [1.5, -0.001],
	"flags": [true, false],
	"times": ["2023-11-14T22:13:20Z", "2023-11-14T22:13:21Z"],
	"blobs": [1, "two", [3], {"four": 4}, null],
	"srcPeers": [
		{"addr": "peer.example:443", "host": "peer.example", "port": 443, "ips": ["10.0.0.1"]},
		{"addr": "[::1]:80", "host": "::1", "port": 80}
	],
	"dstPeers": [{"addr": "noport.example", "host": "noport.example", "ips": ["10.0.0.2", "bogus"]}],
	"src": "10.1.2.3:5555",
	"srcIp": "10.1.2.3",
	"srcPort": 5555,
	"path": "/api/v2/users",
	"pathRoot": "api",
	"ticket": "4711-backend",
	"ticketNumber": 4711,
	"ticketTeam": "backend",
	"p_log_type": "Test.Everything",
	"p_event_time": "2023-11-14T22:13:20.5Z",
	"p_parse_time": "2024-01-02T03:04:05Z",
	"p_row_id": "row-1",
	"p_any_ip_addresses": ["10.0.0.1", "10.0.0.2", "10.1.2.3", "100.64.0.1", "192.0.2.10", "192.0.2.99", "2001:db8::1", "fd7a:115c:a1e0::1"],
	"p_any_emails": ["alice@example.com", "bob@example.com", "carol@example.com"],
	"p_any_actor_ids": ["carol@example.com", "u-42", "u-7"],
	"p_any_domain_names": ["::1", "a.example", "b.example", "example.com", "laptop.example.com", "noport.example", "peer.example"]
}`

// sparse has few fields, nulls and values that do not split; decoded into
// the value that held full, it must leave nothing of full behind.
const sparse = `{
	"id": "rec-2",
	"time": null,
	"proto": 17,
	"tsAny": "1700000000",
	"actor": {"id": "u-1", "seenAt": "2023-11-15T00:00:00Z", "device": null},
	"tags": [],
	"srcPeers": null,
	"src": "[fe80::1%eth0]:22",
	"path": "no-slash",
	"ticket": "abc-def"
}`

const sparseRow = `{
	"id": "rec-2",
	"proto": 17,
	"tsAny": "2023-11-14T22:13:20Z",
	"actor": {"id": "u-1", "seenAt": "2023-11-15T00:00:00Z"},
	"tags": [],
	"src": "[fe80::1%eth0]:22",
	"srcPort": 22,
	"path": "no-slash",
	"ticket": "abc-def",
	"ticketTeam": "def",
	"p_log_type": "Test.Everything",
	"p_event_time": "2023-11-15T00:00:00Z",
	"p_parse_time": "2024-01-02T03:04:05Z",
	"p_row_id": "row-2",
	"p_any_actor_ids": ["u-1"]
}`

var parseTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// assertTime checks that got is the UTC instant want (RFC 3339).
func assertTime(t *testing.T, want string, got time.Time, msgAndArgs ...any) {
	t.Helper()
	assert.Equal(t, want, got.Format(time.RFC3339Nano), msgAndArgs...)
	assert.Equal(t, time.UTC, got.Location(), msgAndArgs...)
}

func row(t *testing.T, x *everything.Everything, id string) string {
	t.Helper()
	out := x.AppendRow(nil, &jlex.RowMeta{ParseTime: parseTime, RowID: id})
	require.True(t, json.Valid(out), "row is not valid JSON: %s", out)
	decoded := x.AppendDecodedRow(nil, &jlex.RowMeta{ParseTime: parseTime, RowID: id})
	require.Equal(t, string(out), string(decoded), "AppendDecodedRow and AppendRow differ")
	return string(out)
}

func TestFull(t *testing.T) {
	var x everything.Everything
	require.NoError(t, x.Decode([]byte(full)))
	checkFull(t, &x)
	// Raw JSON is kept as given; rows compact it.
	assert.Equal(t, `{"k": [1, 2, {"n": null}], "s": "x y"}`, string(x.Extra))
	assert.Equal(t, `{"four": 4}`, string(x.Blobs[3]))
}

func checkFull(t *testing.T, x *everything.Everything) {
	t.Helper()
	// Scalars.
	assertTime(t, "2023-11-14T22:13:20.5Z", x.Time)
	assert.Equal(t, "rec-1", x.ID)
	assert.Equal(t, "café \"quoted\"", x.Name)
	assert.Equal(t, int16(-12), x.Small)
	assert.Equal(t, int16(6), x.Proto, "TCP by name")
	assert.Equal(t, int32(2147483647), x.Count)
	assert.Equal(t, int64(-9007199254740993), x.Total)
	assert.Equal(t, 0.25, x.Ratio)
	assert.True(t, x.Enabled)
	assert.JSONEq(t, `{"k": [1, 2, {"n": null}], "s": "x y"}`, string(x.Extra))
	// Timestamps, one per format.
	assertTime(t, "2023-11-14T22:13:20.123Z", x.TsMs)
	assertTime(t, "2023-11-14T22:13:20.123456Z", x.TsUs)
	assertTime(t, "2023-11-14T22:13:20.123456789Z", x.TsNs)
	assertTime(t, "2023-11-14T22:13:20.5Z", x.TsRfc, "offset +01:00 converted to UTC")
	assertTime(t, "2023-11-14T22:13:20Z", x.TsAny)
	assertTime(t, "2023-11-14T22:13:20.999Z", x.TsLegacy, "unix_ms as a numeric string")
	assert.Equal(t, "192.0.2.10", x.ClientIP)
	assert.Equal(t, "example.com", x.Site)
	// The nested objects.
	assert.Equal(t, "u-42", x.Actor.ID)
	assert.Equal(t, "alice@example.com", x.Actor.Email)
	assertTime(t, "2023-11-14T22:00:00Z", x.Actor.SeenAt)
	d := &x.Actor.Device
	assert.Equal(t, "laptop.example.com", d.Hostname)
	assert.Equal(t, "[2001:db8::1]:41641", d.Endpoint)
	assert.Equal(t, netip.MustParseAddr("2001:db8::1"), d.EndpointIP, "host of [v6]:port, not the endpointIp key of the input")
	assert.Equal(t, int32(41641), d.EndpointPort)
	assert.Equal(t, "Zürich", d.Location.City)
	assertTime(t, "2023-11-14T22:13:19Z", d.Location.ObservedAt)
	// Split fields whose local variables in decode would be keywords.
	assert.Equal(t, "192.0.2.99:7", x.Quirks.S)
	assert.Equal(t, netip.MustParseAddr("192.0.2.99"), x.Quirks.L)
	assert.Equal(t, int32(7), x.Quirks.Type)
	// Arrays of every scalar type.
	assert.Equal(t, []string{"a", "b"}, x.Tags)
	assert.Equal(t, []string{"100.64.0.1", "fd7a:115c:a1e0::1", "not-an-ip", "100.64.0.1"}, x.Addresses)
	assert.Equal(t, []string{"bob@example.com", "nobody", "alice@example.com"}, x.Emails)
	assert.Equal(t, []string{"carol@example.com", "u-7"}, x.Owners)
	assert.Equal(t, []string{"b.example", "a.example", ""}, x.Domains)
	assert.Equal(t, []int16{1, -2, 32767}, x.Smalls)
	assert.Equal(t, []int32{0, -2147483648}, x.Ints)
	assert.Equal(t, []int64{9223372036854775807}, x.Bigints)
	assert.Equal(t, []float64{1.5, -0.001}, x.Floats)
	assert.Equal(t, []bool{true, false}, x.Flags)
	if assert.Len(t, x.Times, 2) {
		assertTime(t, "2023-11-14T22:13:20Z", x.Times[0], "unix_ms")
		assertTime(t, "2023-11-14T22:13:21Z", x.Times[1], "rfc3339, the second format")
	}
	if assert.Len(t, x.Blobs, 5) {
		assert.Equal(t, `1`, string(x.Blobs[0]))
		assert.Equal(t, `"two"`, string(x.Blobs[1]))
		assert.Equal(t, `[3]`, string(x.Blobs[2]))
		assert.JSONEq(t, `{"four": 4}`, string(x.Blobs[3]))
		assert.Nil(t, x.Blobs[4], "null element")
	}
	// Arrays of objects of one shape share the type EverythingPeer.
	if assert.Len(t, x.SrcPeers, 2) {
		p := x.SrcPeers[0]
		assert.Equal(t, "peer.example:443", p.Addr)
		assert.Equal(t, "peer.example", p.Host, "':' index 0 without ip: the host as a string")
		assert.Equal(t, int32(443), p.Port)
		assert.Equal(t, []string{"10.0.0.1"}, p.IPs)
		assert.True(t, p.HasAddr() && p.HasHost() && p.HasPort() && p.HasIPs())
		p = x.SrcPeers[1]
		assert.Equal(t, "::1", p.Host, "brackets removed")
		assert.Equal(t, int32(80), p.Port)
		assert.False(t, p.HasIPs())
		assert.Empty(t, p.IPs)
	}
	if assert.Len(t, x.DstPeers, 1) {
		p := x.DstPeers[0]
		assert.Equal(t, "noport.example", p.Host)
		assert.True(t, p.HasHost())
		assert.False(t, p.HasPort(), "no port in noport.example")
		assert.Zero(t, p.Port)
	}
	// Top-level splits.
	assert.Equal(t, "10.1.2.3:5555", x.Src)
	assert.Equal(t, netip.MustParseAddr("10.1.2.3"), x.SrcIP)
	assert.Equal(t, int32(5555), x.SrcPort)
	assert.Equal(t, "/api/v2/users", x.Path)
	assert.Equal(t, "api", x.PathRoot, "'/' index 1")
	assert.Equal(t, "4711-backend", x.Ticket)
	assert.Equal(t, int64(4711), x.TicketNumber, "'-' index 0 into bigint")
	assert.Equal(t, "backend", x.TicketTeam)

	// Every field is present.
	for name, has := range presence(x) {
		assert.True(t, has, "Has%s", name)
	}

	// Event time: the top-level time wins over the nested ones.
	assertTime(t, "2023-11-14T22:13:20.5Z", x.EventTime())
	assert.Equal(t, "Test.Everything", x.LogType())

	// Indicators, sorted and deduplicated, appended after what dst holds.
	assert.Equal(t, []netip.Addr{
		netip.MustParseAddr("255.255.255.255"), // dst's own, left alone
		netip.MustParseAddr("10.0.0.1"),        // srcPeers[0].ips
		netip.MustParseAddr("10.0.0.2"),        // dstPeers[0].ips ("bogus" dropped)
		netip.MustParseAddr("10.1.2.3"),        // srcIp, split
		netip.MustParseAddr("100.64.0.1"),      // addresses, twice
		netip.MustParseAddr("192.0.2.10"),      // clientIp
		netip.MustParseAddr("192.0.2.99"),      // quirks.l, split
		netip.MustParseAddr("2001:db8::1"),     // actor.device.endpointIp, split
		netip.MustParseAddr("fd7a:115c:a1e0::1"),
	}, x.AppendIPAddresses([]netip.Addr{netip.MustParseAddr("255.255.255.255")}))
	assert.Equal(t, []string{"zzz", "alice@example.com", "bob@example.com", "carol@example.com"},
		x.AppendEmails([]string{"zzz"}), "actor.email, emails (nobody dropped), owners")
	assert.Equal(t, []string{"carol@example.com", "u-42", "u-7"},
		x.AppendActorIDs(nil), "actor.id, owners")
	assert.Equal(t, []string{"::1", "a.example", "b.example", "example.com", "laptop.example.com", "noport.example", "peer.example"},
		x.AppendDomainNames(nil), "site, hostname, domains (empty dropped), the peers' split hosts")

	assert.JSONEq(t, fullRow, row(t, x, "row-1"))
}

// presence lists the Has methods of every field of the record and of its
// nested objects.
func presence(x *everything.Everything) map[string]bool {
	d := &x.Actor.Device
	return map[string]bool{
		"Time": x.HasTime(), "ID": x.HasID(), "Name": x.HasName(), "Small": x.HasSmall(),
		"Proto": x.HasProto(), "Count": x.HasCount(), "Total": x.HasTotal(), "Ratio": x.HasRatio(),
		"Enabled": x.HasEnabled(), "Extra": x.HasExtra(), "TsMs": x.HasTsMs(), "TsUs": x.HasTsUs(),
		"TsNs": x.HasTsNs(), "TsRfc": x.HasTsRfc(), "TsAny": x.HasTsAny(), "TsLegacy": x.HasTsLegacy(),
		"ClientIP": x.HasClientIP(), "Site": x.HasSite(), "Actor": x.HasActor(),
		"Actor.ID": x.Actor.HasID(), "Actor.Email": x.Actor.HasEmail(), "Actor.SeenAt": x.Actor.HasSeenAt(),
		"Actor.Device": x.Actor.HasDevice(), "Device.Hostname": d.HasHostname(),
		"Device.Endpoint": d.HasEndpoint(), "Device.EndpointIP": d.HasEndpointIP(),
		"Device.EndpointPort": d.HasEndpointPort(), "Device.Location": d.HasLocation(),
		"Location.City": d.Location.HasCity(), "Location.ObservedAt": d.Location.HasObservedAt(),
		"Quirks": x.HasQuirks(), "Quirks.S": x.Quirks.HasS(), "Quirks.L": x.Quirks.HasL(),
		"Quirks.Type": x.Quirks.HasType(), "Tags": x.HasTags(), "Addresses": x.HasAddresses(), "Emails": x.HasEmails(),
		"Owners": x.HasOwners(), "Domains": x.HasDomains(), "Smalls": x.HasSmalls(), "Ints": x.HasInts(),
		"Bigints": x.HasBigints(), "Floats": x.HasFloats(), "Flags": x.HasFlags(), "Times": x.HasTimes(),
		"Blobs": x.HasBlobs(), "SrcPeers": x.HasSrcPeers(), "DstPeers": x.HasDstPeers(), "Src": x.HasSrc(),
		"SrcIP": x.HasSrcIP(), "SrcPort": x.HasSrcPort(), "Path": x.HasPath(), "PathRoot": x.HasPathRoot(),
		"Ticket": x.HasTicket(), "TicketNumber": x.HasTicketNumber(), "TicketTeam": x.HasTicketTeam(),
	}
}

// TestSparseAfterFull decodes sparse into the value that held full: reset
// must clear every field, and absent, null and unsplittable fields are not
// present.
func TestSparseAfterFull(t *testing.T) {
	var x everything.Everything
	require.NoError(t, x.Decode([]byte(full)))
	require.NoError(t, x.Decode([]byte(sparse)))

	present := map[string]bool{
		"ID": true, "Proto": true, "TsAny": true, "Actor": true, "Actor.ID": true, "Actor.SeenAt": true,
		"Tags": true, "Src": true, "SrcPort": true, "Path": true, "Ticket": true, "TicketTeam": true,
	}
	for name, has := range presence(&x) {
		assert.Equal(t, present[name], has, "Has%s", name)
	}
	assert.Equal(t, "rec-2", x.ID)
	assert.Equal(t, int16(17), x.Proto)
	assertTime(t, "2023-11-14T22:13:20Z", x.TsAny, "a numeric string is not RFC 3339: unix, the second format")
	assert.Equal(t, "u-1", x.Actor.ID)
	assert.Empty(t, x.Tags)
	assert.Equal(t, int32(22), x.SrcPort)
	assert.Equal(t, netip.Addr{}, x.SrcIP, "a zoned address is not an ip indicator value")
	assert.Equal(t, "def", x.TicketTeam)
	assert.Zero(t, x.TicketNumber, "abc is not a number")
	assert.Empty(t, x.PathRoot, "no-slash has no part 1")

	// Everything of full is gone.
	assert.True(t, x.Time.IsZero())
	assert.Empty(t, x.Name)
	assert.Zero(t, x.Small)
	assert.Zero(t, x.Count)
	assert.Zero(t, x.Total)
	assert.Zero(t, x.Ratio)
	assert.False(t, x.Enabled)
	assert.Empty(t, x.Extra)
	assert.True(t, x.TsMs.IsZero() && x.TsUs.IsZero() && x.TsNs.IsZero() && x.TsRfc.IsZero() && x.TsLegacy.IsZero())
	assert.Empty(t, x.ClientIP)
	assert.Empty(t, x.Site)
	assert.Empty(t, x.Actor.Email)
	assert.Equal(t, everything.EverythingDevice{}, x.Actor.Device)
	assert.Equal(t, everything.EverythingQuirks{}, x.Quirks)
	for _, n := range []int{len(x.Addresses), len(x.Emails), len(x.Owners), len(x.Domains), len(x.Smalls),
		len(x.Ints), len(x.Bigints), len(x.Floats), len(x.Flags), len(x.Times), len(x.Blobs),
		len(x.SrcPeers), len(x.DstPeers)} {
		assert.Zero(t, n)
	}

	// The nested seenAt is the event time when time is null.
	assertTime(t, "2023-11-15T00:00:00Z", x.EventTime())
	assert.Empty(t, x.AppendIPAddresses(nil))
	assert.Empty(t, x.AppendEmails(nil))
	assert.Equal(t, []string{"u-1"}, x.AppendActorIDs(nil))
	assert.Empty(t, x.AppendDomainNames(nil))
	assert.JSONEq(t, sparseRow, row(t, &x, "row-2"))

	// And back: decoding full into the reused value gives full again.
	require.NoError(t, x.Decode([]byte(full)))
	checkFull(t, &x)
}

// TestEventTime checks the order of the three isEventTime fields and the
// fallback to the parse time.
func TestEventTime(t *testing.T) {
	var x everything.Everything
	require.NoError(t, x.Decode([]byte(`{"id":"a","actor":{"id":"u","device":{"location":{"observedAt":1699999999000}}}}`)))
	assertTime(t, "2023-11-14T22:13:19Z", x.EventTime(), "the third, nested two levels deep")

	require.NoError(t, x.Decode([]byte(`{"id":"a","actor":{"id":"u","seenAt":"2023-11-15T00:00:00Z","device":{"location":{"observedAt":1699999999000}}}}`)))
	assertTime(t, "2023-11-15T00:00:00Z", x.EventTime(), "the second before the third")

	require.NoError(t, x.Decode([]byte(`{"id":"a"}`)))
	assert.True(t, x.EventTime().IsZero())
	assert.JSONEq(t, `{"id":"a","p_log_type":"Test.Everything","p_event_time":"2024-01-02T03:04:05Z",
		"p_parse_time":"2024-01-02T03:04:05Z","p_row_id":"r"}`, row(t, &x, "r"), "no event time: the parse time")
}

// TestUnmarshalJSON decodes through encoding/json, which calls the
// generated UnmarshalJSON.
func TestUnmarshalJSON(t *testing.T) {
	var recs []everything.Everything
	require.NoError(t, json.Unmarshal([]byte("["+full+","+sparse+"]"), &recs))
	require.Len(t, recs, 2)
	checkFull(t, &recs[0])
	assert.Equal(t, "rec-2", recs[1].ID)

	x := recs[1]
	require.NoError(t, json.Unmarshal([]byte(" null "), &x))
	assert.Equal(t, "rec-2", x.ID, "null leaves the value unchanged")
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"missing required", `{"name":"x"}`, "id: required field is missing"},
		{"missing nested required", `{"id":"a","actor":{"email":"a@b"}}`, "actor.id: required field is missing"},
		{"required null", `{"id":null}`, "id: required field is missing"},
		{"unknown protocol name", `{"id":"a","proto":"tcpp"}`, `proto: unknown ip_protocol name "tcpp"`},
		{"smallint out of range", `{"id":"a","small":32768}`, "small: number 32768 out of range for int16"},
		{"bad timestamp", `{"id":"a","tsRfc":1700000000}`, "tsRfc: cannot parse"},
		{"bad element", `{"id":"a","srcPeers":[{},{"addr":1}]}`, "srcPeers[1].addr:"},
		{"null record", `null`, "expected an object, found null"},
		{"trailing data", `{"id":"a"} {}`, "offset 11"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var x everything.Everything
			err := x.Decode([]byte(tc.in))
			require.Error(t, err)
			var je *jlex.Error
			assert.ErrorAs(t, err, &je)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

// TestSetters checks that a Set method stores the value and marks it
// present, so that it reaches the row.
func TestSetters(t *testing.T) {
	var x everything.Everything
	require.NoError(t, x.Decode([]byte(`{"id":"a"}`)))
	x.SetCount(7)
	x.Actor.SetID("u")
	x.SetActor(x.Actor)
	assert.True(t, x.HasCount())
	assert.JSONEq(t, `{"id":"a","count":7,"actor":{"id":"u"},"p_log_type":"Test.Everything",
		"p_event_time":"2024-01-02T03:04:05Z","p_parse_time":"2024-01-02T03:04:05Z","p_row_id":"r",
		"p_any_actor_ids":["u"]}`, row(t, &x, "r"))
}

// TestKeyOrder decodes full with the keys of every object sorted by name
// instead of in schema order.
func TestKeyOrder(t *testing.T) {
	dec := json.NewDecoder(strings.NewReader(full))
	dec.UseNumber() // keep the int64 extremes exact
	var m map[string]any
	require.NoError(t, dec.Decode(&m))
	sorted, err := json.Marshal(m) // encoding/json sorts map keys
	require.NoError(t, err)
	require.NotContains(t, string(sorted), `{"time"`, "the keys must be out of schema order")

	var x everything.Everything
	require.NoError(t, x.Decode(sorted))
	checkFull(t, &x)
}

// TestRepeatedKeys checks that the last of repeated keys wins and that a
// repeated object merges, as with encoding/json.
func TestRepeatedKeys(t *testing.T) {
	var x everything.Everything
	require.NoError(t, x.Decode([]byte(`{"id":"a","actor":{"id":"u","email":"e@x"},"src":"1.2.3.4:5","actor":{"id":"v"},"id":"b","src":"[::1]:6"}`)))
	assert.Equal(t, "b", x.ID)
	assert.Equal(t, "v", x.Actor.ID)
	assert.Equal(t, "e@x", x.Actor.Email)
	assert.Equal(t, netip.MustParseAddr("::1"), x.SrcIP, "splits use the last value")
	assert.Equal(t, int32(6), x.SrcPort)
}

// flows holds flat objects as producers write them (read by the fast path)
// and as they do not: a protocol name, whitespace, a repeated key, an
// escape, a key the schema lacks. Each must decode the same either way.
const flows = `{"id":"f","flows":[` +
	`{"proto":6,"flags":-3,"count":2147483647,"bytesTransferredTotal":9007199254740993,"ok":true,"peer":"100.64.0.1:443","label":"web-1"},` +
	`{"ok":false,"peer":"[fd7a:115c:a1e0::1]:53"},` +
	`{"proto":"udp","peer":"host.example:80"},` +
	`{"count":1, "ok":true},` +
	`{"count":1,"count":2,"label":"a\u002db"},` +
	`{"other":[1,{"x":null}],"flags":0,"peer":"100.64.0.1:8080"},` +
	`{"proto":1,"say\"hi":"x"}]}`

// TestFlows checks hand-worked values of every flat object in flows, read
// with the fast path on and off.
func TestFlows(t *testing.T) {
	for _, fast := range []bool{true, false} {
		t.Run(map[bool]string{true: "fast", false: "general"}[fast], func(t *testing.T) {
			was := jlex.SetFastPathForTesting(fast)
			defer jlex.SetFastPathForTesting(was)
			var x everything.Everything
			require.NoError(t, x.Decode([]byte(flows)))
			require.Len(t, x.Flows, 7)

			f := x.Flows[0]
			assert.Equal(t, int16(6), f.Proto)
			assert.Equal(t, int16(-3), f.Flags)
			assert.Equal(t, int32(2147483647), f.Count)
			assert.Equal(t, int64(9007199254740993), f.BytesTransferredTotal)
			assert.True(t, f.Ok)
			assert.Equal(t, "100.64.0.1:443", f.Peer)
			assert.Equal(t, netip.MustParseAddr("100.64.0.1"), f.PeerIP)
			assert.Equal(t, int32(443), f.PeerPort)
			assert.Equal(t, "web-1", f.Label)
			assert.Equal(t, "web", f.LabelHead)
			for name, has := range map[string]bool{"proto": f.HasProto(), "flags": f.HasFlags(), "count": f.HasCount(),
				"bytesTransferredTotal": f.HasBytesTransferredTotal(), "ok": f.HasOk(), "peer": f.HasPeer(),
				"peerIp": f.HasPeerIP(), "peerPort": f.HasPeerPort(), "label": f.HasLabel(), "labelHead": f.HasLabelHead()} {
				assert.True(t, has, name)
			}

			f = x.Flows[1]
			assert.False(t, f.HasProto())
			assert.False(t, f.HasCount())
			assert.True(t, f.HasOk())
			assert.False(t, f.Ok)
			assert.Equal(t, netip.MustParseAddr("fd7a:115c:a1e0::1"), f.PeerIP)
			assert.Equal(t, int32(53), f.PeerPort)
			assert.False(t, f.HasLabel())
			assert.False(t, f.HasLabelHead(), "no label to split")

			f = x.Flows[2]
			assert.Equal(t, int16(17), f.Proto, "udp")
			assert.Equal(t, "host.example:80", f.Peer)
			assert.False(t, f.HasPeerIP(), "a host name is no address")
			assert.True(t, f.HasPeerPort())
			assert.Equal(t, int32(80), f.PeerPort)

			f = x.Flows[3]
			assert.Equal(t, int32(1), f.Count)
			assert.True(t, f.Ok)
			assert.False(t, f.HasPeer())
			assert.False(t, f.HasPeerIP())

			f = x.Flows[4]
			assert.Equal(t, int32(2), f.Count, "the last of a repeated key wins")
			assert.Equal(t, "a-b", f.Label)
			assert.Equal(t, "a", f.LabelHead)

			f = x.Flows[5]
			assert.True(t, f.HasFlags())
			assert.Equal(t, int16(0), f.Flags)
			assert.Equal(t, int32(8080), f.PeerPort)

			f = x.Flows[6]
			assert.Equal(t, "x", f.SayHi, "a key written with an escape")
			assert.Equal(t, int16(1), f.Proto)
			assert.False(t, f.HasPeer())
			assert.False(t, f.HasOk())
			assert.Zero(t, f.Peer)
		})
	}
}

// TestFlowErrors checks that errors inside flat objects are reported by
// the general path, with its offsets and paths, whichever path started.
func TestFlowErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"id":"f","flows":[{"proto":6,"count":2147483648}]}`, "flows[0].count: number 2147483648 out of range for int32 at offset 38"},
		{`{"id":"f","flows":[{"proto":6},{"ok":tru}]}`, "flows[1].ok: invalid literal, expected true at offset 37"},
		{`{"id":"f","flows":[{"proto":6,}]}`, "flows[0].proto: expected string key, found invalid character '}' at offset 30"},
		{`{"id":"f","flows":[{"proto":6}"peer":"x"]}`, "flows[0]: expected ',' or ']' in array, found string at offset 30"},
		// The key say"hi written without its escape is no key at all.
		{`{"id":"f","flows":[{"proto":6,"say"hi":"x"}]}`, "flows[0].say: expected ':' after object key, found invalid character 'h' at offset 35"},
	} {
		for _, fast := range []bool{true, false} {
			was := jlex.SetFastPathForTesting(fast)
			var x everything.Everything
			err := x.Decode([]byte(tc.in))
			jlex.SetFastPathForTesting(was)
			require.Error(t, err, tc.in)
			assert.Equal(t, tc.want, err.Error(), "%s (fast path %v)", tc.in, fast)
		}
	}
}

// TestPeersFast checks objects with an array of strings, read with the
// fast path on and off, against hand-worked values.
func TestPeersFast(t *testing.T) {
	const rec = `{"id":"p","srcPeers":[{"addr":"a.example:443","ips":["100.64.0.1","fd7a::1"]},{"ips":[]},{"addr":"b:1","ips":["x", "y"]},{"ips":["z"],"addr":"c:2"}]}`
	for _, fast := range []bool{true, false} {
		was := jlex.SetFastPathForTesting(fast)
		var x everything.Everything
		err := x.Decode([]byte(rec))
		jlex.SetFastPathForTesting(was)
		require.NoError(t, err)
		require.Len(t, x.SrcPeers, 4)
		p := x.SrcPeers[0]
		assert.Equal(t, "a.example", p.Host)
		assert.Equal(t, int32(443), p.Port)
		assert.Equal(t, []string{"100.64.0.1", "fd7a::1"}, p.IPs)
		p = x.SrcPeers[1]
		assert.True(t, p.HasIPs())
		assert.Empty(t, p.IPs)
		assert.False(t, p.HasAddr())
		assert.False(t, p.HasHost())
		p = x.SrcPeers[2]
		assert.Equal(t, []string{"x", "y"}, p.IPs)
		assert.Equal(t, int32(1), p.Port)
		p = x.SrcPeers[3]
		assert.Equal(t, []string{"z"}, p.IPs, "keys out of schema order")
		assert.Equal(t, "c", p.Host)
		assert.Equal(t, int32(2), p.Port)
	}
}
