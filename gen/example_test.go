package gen_test

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/tslogs/tslogs/gen"
)

// The Go a small schema of one's own becomes: the struct and the methods of
// its record type.
func ExampleGenerate() {
	const schema = `
schema: Custom.Login
fields:
  - name: time
    required: true
    type: timestamp
    timeFormat: rfc3339
    isEventTime: true
  - name: user
    type: string
    indicators: [username]
  - name: remote
    description: Client address and port
    type: string
  - name: remoteIp
    type: string
    indicators: [ip]
    split: {from: remote, separator: ':', index: 0}
`
	s, err := gen.Load("login.yml", []byte(schema))
	if err != nil {
		fmt.Println(err)
		return
	}
	files, err := gen.Generate([]*gen.Schema{s}, gen.Options{Package: "logins"})
	if err != nil {
		fmt.Println(err)
		return
	}
	src := files["login_gen.go"]
	// Print the struct and the exported methods of Login.
	sc := bufio.NewScanner(bytes.NewReader(src))
	inStruct := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "type Login struct"):
			inStruct = true
		case strings.HasPrefix(line, "func (x Login) "), strings.HasPrefix(line, "func (x *Login) ") &&
			!strings.HasPrefix(line, "func (x *Login) Has") && !strings.HasPrefix(line, "func (x *Login) Set") &&
			line[len("func (x *Login) ")] >= 'A' && line[len("func (x *Login) ")] <= 'Z':
			fmt.Println(strings.TrimSuffix(line, " {"))
		}
		if inStruct {
			fmt.Println(line)
			inStruct = line != "}"
		}
	}
	// Output:
	// type Login struct {
	// 	// Required. Event time. Formats: rfc3339.
	// 	Time time.Time `json:"time,omitzero"`
	// 	// Indicators: username.
	// 	User string `json:"user,omitempty"`
	// 	// Remote: Client address and port.
	// 	Remote string `json:"remote,omitempty"`
	// 	// Derived from Remote: its host, IPv6 brackets removed (Panther: split on ":",
	// 	// index 0). Indicators: ip.
	// 	RemoteIP netip.Addr `json:"remoteIp,omitzero"`
	//
	// 	present jlex.Bits
	// 	arena   []byte
	// 	text    []byte // the text x was decoded from, which raw offsets refer to
	// }
	// func (x *Login) Decode(data []byte) error
	// func (x *Login) UnmarshalJSON(data []byte) error
	// func (x *Login) EventTime() time.Time
	// func (x *Login) AppendIPAddresses(dst []netip.Addr) []netip.Addr
	// func (x *Login) AppendUsernames(dst []string) []string
	// func (x *Login) AppendRow(dst []byte, m *jlex.RowMeta) []byte
	// func (x *Login) AppendDecodedRow(dst []byte, m *jlex.RowMeta) []byte
	// func (x *Login) LogType() string
	// func (x *Login) AppendJSON(dst []byte) []byte
	// func (x Login) MarshalJSON() ([]byte, error)
	// func (x *Login) Columns() *jlex.Column
	// func (x *Login) WriteColumns(w jlex.ColumnWriter, m *jlex.RowMeta)
}

// A schema mistake names the file, the line and the field.
func ExampleLoad_error() {
	const schema = `schema: Custom.Login
fields:
  - name: user
    type: string
    indicators: [mac]
`
	_, err := gen.Load("login.yml", []byte(schema))
	fmt.Println(err)
	// Output:
	// login.yml:5: user: unknown indicator "mac" (want one of actor_id, aws_account_id, aws_arn, aws_arn_only, aws_instance_id, aws_tag, domain, email, hostname, ip, md5, net_addr, sha1, sha256, trace_id, url, username)
}
