package synth

import (
	"strconv"

	"github.com/tslogs/tslogs/jlex"
)

// Audit records: configuration changes in the tailnet. Events come in
// groups (one eventGroupID, one timestamp) separated by exponential gaps.

type actorKind int

const (
	actorUser actorKind = iota
	actorOAuth
	actorNode
)

type auditState struct {
	clock     int64 // current group's event time (ns)
	groupID   string
	left      int // events left in the current group
	seq       int // index of the event within the group
	scenario  int
	actorK    actorKind
	actorI    int
	origin    string
	target    int // node index or similar, fixed per group
	ephemNode string
	policyRev int
	lastRec   int64
}

func (g *Generator) initAudit() {
	g.audit.clock = StartTime.UnixNano()
	g.audit.lastRec = g.audit.clock
	g.audit.policyRev = 10 + g.r.IntN(30)
}

// scenario identifiers with relative weights.
const (
	scNodeLogin = iota
	scNodeCreate
	scNodeDelete
	scNodeUpdate
	scACL
	scTailnetSetting
	scUser
	scKey
	scOAuthToken
	scLogStream
	scWebhook
	scNodeActor
	scToggle
	scCount
)

var scenarioWeights = [scCount]int{
	scNodeLogin:      24,
	scNodeCreate:     8,
	scNodeDelete:     5,
	scNodeUpdate:     15,
	scACL:            6,
	scTailnetSetting: 5,
	scUser:           6,
	scKey:            6,
	scOAuthToken:     14,
	scLogStream:      2,
	scWebhook:        1,
	scNodeActor:      4,
	scToggle:         3,
}

var scenarioTotal = func() int {
	t := 0
	for _, w := range scenarioWeights {
		t += w
	}
	return t
}()

func (g *Generator) newAuditGroup() {
	r := g.r
	a := &g.audit
	gap := expNs(r, 25*nsPerSec) + between(r, 0, 2*nsPerSec)
	a.clock += gap
	if r.IntN(40) == 0 {
		// Some events carry whole-second timestamps.
		a.clock += nsPerSec - a.clock%nsPerSec
	}
	a.groupID = hexID(r, 32)
	a.seq = 0
	a.left = 1
	if r.IntN(4) == 0 {
		a.left += 1 + r.IntN(3)
	}
	x := r.IntN(scenarioTotal)
	defer func() {
		if a.scenario == scACL || a.scenario == scOAuthToken || a.scenario == scLogStream {
			a.left = 1 // one policy change / token / destination change per group
		}
	}()
	for i, w := range scenarioWeights {
		if x < w {
			a.scenario = i
			break
		}
		x -= w
	}
	tn := g.tn
	a.target = r.IntN(len(tn.nodes))
	a.ephemNode = ""
	// Default actor: an admin in the console.
	a.actorK, a.actorI, a.origin = actorUser, r.IntN(3), "ADMIN_CONSOLE"
	switch a.scenario {
	case scNodeLogin, scNodeCreate:
		a.origin = "NODE"
		n := tn.nodes[a.target]
		if n.owner >= 0 {
			a.actorI = n.owner
		} else if r.IntN(3) == 0 {
			a.actorK, a.actorI = actorOAuth, 1+r.IntN(2) // k8s-operator / ci-pipeline auth keys
		}
		if a.scenario == scNodeCreate && n.ephemeral {
			a.ephemNode = stableID(r, 'n')
		}
	case scNodeDelete:
		if r.IntN(2) == 0 {
			a.origin = "NODE"
			a.actorK, a.actorI = actorOAuth, 2
			a.ephemNode = stableID(r, 'n')
		}
	case scNodeUpdate, scACL, scTailnetSetting, scKey:
		if r.IntN(3) == 0 {
			a.origin = "API"
			a.actorK, a.actorI = actorOAuth, r.IntN(len(tn.clients))
			if a.scenario == scACL {
				a.actorI = 3 // gitops
			}
		}
	case scUser:
		if r.IntN(4) == 0 {
			a.origin = "SCIM"
		}
	case scOAuthToken:
		a.origin = "API"
		a.actorK, a.actorI = actorOAuth, r.IntN(len(tn.clients))
	case scToggle:
		a.left = 1
		if r.IntN(5) == 0 {
			a.origin = "API"
			a.actorK, a.actorI = actorOAuth, 0 // terraform
		}
	case scNodeActor:
		a.origin = "NODE"
		// A tagged node acting on its own behalf.
		for tries := 0; tries < 50 && tn.nodes[a.target].owner >= 0; tries++ {
			a.target = r.IntN(len(tn.nodes))
		}
		a.actorK, a.actorI = actorNode, a.target
	}
}

func (g *Generator) appendAudit(dst []byte) []byte {
	r := g.r
	a := &g.audit
	if a.left == 0 {
		g.newAuditGroup()
	}
	a.left--

	t := a.clock
	rec := max(t+between(r, nsPerMs, 250*nsPerMs), a.lastRec+between(r, 1000, nsPerMs))
	a.lastRec = rec

	if g.opt.Bare {
		dst = append(dst, `{"eventTime":"`...)
		dst = appendRFC3339Nano(dst, t)
		dst = append(dst, `","type":"CONFIG",`...)
	} else {
		dst = append(dst, `{"time":`...)
		dst = appendUnixMillis(dst, t/nsPerMs)
		dst = append(dst, `,"event":{`...)
	}
	dst = g.appendAuditEvent(dst, t)
	a.seq++
	if g.opt.Bare {
		dst = append(dst, `,"logged":"`...)
		dst = appendRFC3339Nano(dst, rec)
		return append(dst, '"', '}', '\n')
	}
	dst = append(dst, `},"fields":{"recorded":"`...)
	dst = appendRFC3339Nano(dst, rec)
	return append(dst, `"}}`...)
}

// auditEvent collects one event's fields before rendering. old/new are
// pre-rendered JSON values (nil = absent).
type auditEvent struct {
	targetID, targetName, targetType, property string
	ephemeral                                  int // 0 absent, 1 false, 2 true
	action                                     string
	old, new                                   []byte
	details, err                               string
}

func (g *Generator) appendAuditEvent(dst []byte, t int64) []byte {
	r := g.r
	a := &g.audit
	tn := g.tn
	var ev auditEvent
	g.fillAuditEvent(&ev)

	// deferredAt: occasional, mostly for node-originated events.
	if x := r.IntN(100); x < 2 {
		dst = append(dst, `"deferredAt":"0001-01-01T00:00:00Z",`...)
	} else if x < 6 && a.origin == "NODE" {
		dst = append(dst, `"deferredAt":"`...)
		dst = appendRFC3339Nano(dst, t-between(r, 200*nsPerMs, 90*nsPerSec))
		dst = append(dst, '"', ',')
	}
	dst = append(dst, `"eventGroupID":"`...)
	dst = append(dst, a.groupID...)
	dst = append(dst, `","origin":`...)
	dst = jlex.AppendString(dst, a.origin)

	dst = append(dst, `,"actor":{"id":`...)
	switch a.actorK {
	case actorUser:
		u := tn.users[a.actorI]
		dst = jlex.AppendString(dst, u.id)
		dst = append(dst, `,"type":"USER","loginName":`...)
		dst = jlex.AppendString(dst, u.login)
		dst = append(dst, `,"displayName":`...)
		dst = jlex.AppendString(dst, u.display)
	case actorOAuth:
		c := tn.clients[a.actorI]
		dst = jlex.AppendString(dst, c.id)
		dst = append(dst, `,"type":"OAUTH_CLIENT","loginName":"","displayName":`...)
		dst = jlex.AppendString(dst, c.name)
		if len(c.tags) > 0 {
			dst = append(dst, `,"tags":`...)
			dst = appendStringArray(dst, c.tags)
		}
	case actorNode:
		n := tn.nodes[a.actorI]
		dst = jlex.AppendString(dst, n.id)
		dst = append(dst, `,"type":"NODE","loginName":"","displayName":`...)
		dst = jlex.AppendString(dst, n.name)
		if len(n.tags) > 0 {
			dst = append(dst, `,"tags":`...)
			dst = appendStringArray(dst, n.tags)
		}
	}
	dst = append(dst, `},"target":{"id":`...)
	dst = jlex.AppendString(dst, ev.targetID)
	dst = append(dst, `,"name":`...)
	dst = jlex.AppendString(dst, ev.targetName)
	dst = append(dst, `,"type":`...)
	dst = jlex.AppendString(dst, ev.targetType)
	if ev.property != "" {
		dst = append(dst, `,"property":`...)
		dst = jlex.AppendString(dst, ev.property)
	}
	switch ev.ephemeral {
	case 1:
		dst = append(dst, `,"isEphemeral":false`...)
	case 2:
		dst = append(dst, `,"isEphemeral":true`...)
	}
	dst = append(dst, `},"action":`...)
	dst = jlex.AppendString(dst, ev.action)
	if ev.old != nil {
		dst = append(dst, `,"old":`...)
		dst = append(dst, ev.old...)
	}
	if ev.new != nil {
		dst = append(dst, `,"new":`...)
		dst = append(dst, ev.new...)
	}
	if ev.details != "" {
		dst = append(dst, `,"actionDetails":`...)
		dst = jlex.AppendString(dst, ev.details)
	}
	if ev.err != "" {
		dst = append(dst, `,"error":`...)
		dst = jlex.AppendString(dst, ev.err)
	}
	return dst
}

// JSON value helpers for old/new.
func jStr(s string) []byte                  { return jlex.AppendString(nil, s) }
func jInt(i int) []byte                     { return strconv.AppendInt(nil, int64(i), 10) }
func jBool(b bool) []byte                   { return strconv.AppendBool(nil, b) }
func jArr(ss ...string) []byte              { return appendStringArray(nil, ss) }
func jRaw(s string) []byte                  { return []byte(s) }
func pick(g *Generator, ss []string) string { return ss[g.r.IntN(len(ss))] }

var (
	nodeProperties = []string{"KEY_EXPIRY_DISABLED", "MACHINE_NAME", "TAGS", "ALLOWED_ROUTES", "EXIT_NODE", "AUTHORIZED", "KEY_EXPIRY", "ADDRESS"}
	toggleProps    = []string{"HTTPS", "MAGIC_DNS", "MACHINE_APPROVAL_NEEDED"}
	settingProps   = []string{"NAMESERVERS", "MAGIC_DNS", "SPLIT_DNS", "KEY_EXPIRY_DURATION", "DEVICE_APPROVAL", "SEARCH_PATHS", "USER_APPROVAL", "NETWORK_FLOW_LOGGING"}
	scopeSets      = [][]string{{"devices:core", "auth_keys"}, {"all:read"}, {"policy_file", "dns"}, {"devices:core:read"}, {"auth_keys", "devices:core", "services"}}
	errorTexts     = []string{"permission denied", "user does not have the required role", "tag:prod is not permitted by tagOwners", "invalid policy: unknown group \"group:ops\"", "rate limited"}
	loginDetails   = []string{"", "", "", "interactive login", "auth key", "re-authenticated after key expiry", "logged in via Google", "logged in via GitHub"}
)

func (g *Generator) nodeTarget(ev *auditEvent, n *node) {
	ev.targetID, ev.targetName, ev.targetType = n.id, n.name, "NODE"
}

func (g *Generator) fillAuditEvent(ev *auditEvent) {
	r := g.r
	a := &g.audit
	tn := g.tn
	n := tn.nodes[a.target]
	switch a.scenario {
	case scNodeLogin:
		g.nodeTarget(ev, n)
		ev.action = "LOGIN"
		switch {
		case a.seq == 1:
			ev.action, ev.property = "UPDATE", "KEY_EXPIRY"
			ev.old = jStr("")
			ev.new = jStr(string(appendRFC3339Nano(nil, a.clock+180*24*3600*nsPerSec)))
		case a.seq > 1:
			ev.action, ev.property = "UPDATE", "AUTHORIZED"
			ev.old, ev.new = jBool(false), jBool(true)
		}
		if n.ephemeral {
			ev.ephemeral = 2
		}
		ev.details = pick(g, loginDetails)
	case scNodeCreate:
		id, name := n.id, n.name
		if a.ephemNode != "" {
			id = a.ephemNode
			name = n.role + "-" + strconv.Itoa(100+int(uint32(a.clock)%900)) + "." + tailnetDomain
		}
		ev.targetID, ev.targetName, ev.targetType = id, name, "NODE"
		if n.ephemeral {
			ev.ephemeral = 2
		} else {
			ev.ephemeral = 1
		}
		switch a.seq {
		case 0:
			ev.action = "CREATE"
			ev.new = jStr(name)
		case 1:
			ev.action, ev.property = "UPDATE", "TAGS"
			if r.IntN(2) == 0 {
				ev.old = jRaw("null")
			} else {
				ev.old = jRaw("[]")
			}
			if len(n.tags) > 0 {
				ev.new = jArr(n.tags...)
			} else {
				ev.new = jArr("tag:laptop")
			}
		default:
			ev.action, ev.property = "UPDATE", "AUTHORIZED"
			ev.old, ev.new = jBool(false), jBool(true)
			ev.details = "device approved"
		}
	case scNodeDelete:
		if a.ephemNode != "" {
			ev.targetID, ev.targetName, ev.targetType = a.ephemNode, "ci-runner-"+strconv.Itoa(100+r.IntN(900))+"."+tailnetDomain, "NODE"
			ev.ephemeral = 2
			ev.details = "ephemeral node removed after going offline"
		} else {
			g.nodeTarget(ev, n)
			ev.ephemeral = 1
		}
		ev.action = "DELETE"
		if r.IntN(2) == 0 {
			ev.old = jStr(ev.targetName)
		} else {
			ev.old = jRaw(`{"name":` + string(jStr(ev.targetName)) + `,"os":` + string(jStr(n.os)) + `,"addresses":["` + n.v4.String() + `","` + n.v6.String() + `"]}`)
		}
	case scNodeUpdate:
		g.nodeTarget(ev, n)
		ev.action = "UPDATE"
		ev.property = pick(g, nodeProperties)
		switch ev.property {
		case "KEY_EXPIRY_DISABLED":
			b := r.IntN(3) > 0
			ev.old, ev.new = jBool(!b), jBool(b)
		case "MACHINE_NAME":
			ev.old = jStr(n.host)
			ev.new = jStr(n.host + pick(g, []string{"-old", "-2", "-prod", "-backup"}))
		case "TAGS":
			if len(n.tags) > 0 {
				ev.old = jArr(n.tags...)
				ev.new = jArr(append(append([]string(nil), n.tags...), pick(g, []string{"tag:canary", "tag:backup", "tag:eu"}))...)
			} else {
				ev.old = jRaw("null")
				ev.new = jArr("tag:server")
			}
		case "ALLOWED_ROUTES":
			ev.old = jRaw("[]")
			ev.new = jArr("192.0.2.0/24", "2001:db8:5::/64")
			if r.IntN(3) == 0 {
				ev.old, ev.new = ev.new, jArr("0.0.0.0/0", "::/0")
			}
		case "EXIT_NODE":
			ev.old, ev.new = jBool(false), jBool(true)
		case "AUTHORIZED":
			ev.action = "APPROVE"
			ev.old, ev.new = jBool(false), jBool(true)
		case "KEY_EXPIRY":
			ev.old = jStr(string(appendRFC3339Nano(nil, a.clock+between(r, 0, 90*24*3600*nsPerSec))))
			ev.new = jStr("")
			ev.details = "key expiry extended"
		case "ADDRESS":
			ev.old = jStr(n.v4.String())
			ev.new = jStr("100.100." + strconv.Itoa(r.IntN(256)) + "." + strconv.Itoa(1+r.IntN(254)))
		}
	case scACL:
		ev.targetID, ev.targetName, ev.targetType = tn.id, tn.name, "TAILNET"
		ev.property, ev.action = "ACL", "UPDATE"
		ev.old = jStr(policyText(a.policyRev))
		if a.seq == 0 {
			a.policyRev++
		}
		ev.new = jStr(policyText(a.policyRev))
		if r.IntN(10) == 0 {
			ev.details = "applied via GitOps"
		}
	case scTailnetSetting:
		ev.targetID, ev.targetName, ev.targetType = tn.id, tn.name, "TAILNET"
		ev.action = "UPDATE"
		ev.property = pick(g, settingProps)
		switch ev.property {
		case "NAMESERVERS":
			ev.old = jArr("192.0.2.53")
			ev.new = jArr("192.0.2.53", "2001:db8:5::53")
		case "MAGIC_DNS", "DEVICE_APPROVAL", "USER_APPROVAL", "NETWORK_FLOW_LOGGING":
			b := r.IntN(4) > 0
			ev.old, ev.new = jBool(!b), jBool(b)
		case "SPLIT_DNS":
			ev.old = jRaw("{}")
			ev.new = jRaw(`{"corp.example.com":["192.0.2.53"],"internal.example":["192.0.2.54","2001:db8:5::54"]}`)
		case "KEY_EXPIRY_DURATION":
			ev.old = jInt(180)
			ev.new = jInt(pick2(g, 90, 30))
		case "SEARCH_PATHS":
			ev.old = jArr()
			ev.new = jArr("corp.example.com")
		}
	case scUser:
		u := tn.users[(a.target+a.seq)%len(tn.users)]
		ev.targetID, ev.targetName, ev.targetType = u.id, u.login, "USER"
		switch r.IntN(5) {
		case 0:
			ev.action, ev.property = "UPDATE", "ROLE"
			ev.old, ev.new = jStr("member"), jStr(pick(g, []string{"admin", "it-admin", "network-admin", "auditor"}))
		case 1:
			ev.action = pick(g, []string{"SUSPEND", "RESTORE"})
		case 2:
			ev.action = "CREATE"
			ev.new = jStr(u.login)
			ev.details = "invite accepted"
		case 3:
			ev.action = "LOGIN"
			ev.details = pick(g, []string{"logged in via Google", "logged in via GitHub", "logged in via Okta"})
		default:
			ev.action = "DELETE"
			ev.old = jRaw(`{"loginName":` + string(jStr(u.login)) + `,"role":"member"}`)
		}
	case scKey:
		kid := "k" + hexID(r, 10) + "CNTRL"
		kind := pick(g, []string{"AUTH_KEY", "AUTH_KEY", "API_KEY"})
		ev.targetID, ev.targetName, ev.targetType = kid, "tskey-"+lower(kind[:len(kind)-4])+"-"+kid, kind
		obj := `{"capabilities":{"devices":{"create":{"reusable":` + strconv.FormatBool(r.IntN(2) == 0) +
			`,"ephemeral":` + strconv.FormatBool(r.IntN(2) == 0) + `,"preauthorized":true,"tags":["tag:ci"]}}},"expirySeconds":` +
			strconv.Itoa(pick2(g, 7776000, 86400)) + `}`
		if kind == "API_KEY" {
			obj = `{"expirySeconds":` + strconv.Itoa(pick2(g, 7776000, 2592000)) + `,"description":"` + pick(g, []string{"terraform", "backup script", ""}) + `"}`
		}
		switch r.IntN(4) {
		case 0, 1:
			ev.action = "CREATE"
			ev.new = jRaw(obj)
		case 2:
			ev.action = "REVOKE"
			ev.old = jRaw(obj)
		default:
			ev.action = "EXPIRE"
			ev.details = "key expired"
		}
	case scOAuthToken:
		c := tn.clients[a.actorI]
		ev.targetID, ev.targetName, ev.targetType = "k"+hexID(r, 10)+"CNTRL", c.name, "OAUTH_ACCESS_TOKEN"
		ev.action = "CREATE"
		ev.new = jArr(scopeSets[r.IntN(len(scopeSets))]...)
	case scLogStream:
		kind := pick(g, []string{"network", "configuration"})
		ev.targetID, ev.targetName, ev.targetType = tn.id, kind, "LOG_STREAM_ENDPOINT"
		ev.action = "UPDATE"
		if r.IntN(2) == 0 {
			ev.property = "URL"
			ev.old = jStr(pick(g, []string{"", "https://logs.example.com/services/collector/event"}))
			ev.new = jStr("https://siem.example.com/http/" + hexID(r, 8))
		} else {
			ev.property = "DESTINATION_TYPE"
			ev.old, ev.new = jStr("splunk"), jStr("panther")
		}
	case scWebhook:
		ev.targetID, ev.targetName, ev.targetType = hexID(r, 12), "https://hooks.example.com/tailscale", "WEBHOOK_ENDPOINT"
		if r.IntN(2) == 0 {
			ev.action = "CREATE"
			ev.new = jArr("nodeCreated", "nodeNeedsApproval", "policyUpdate")
		} else {
			ev.action = "DELETE"
			ev.old = jStr("https://hooks.example.com/tailscale")
		}
	case scToggle:
		// Tailnet features switched on or off: what Panther's Tailscale
		// rules look for (DISABLE of HTTPS, MAGIC_DNS or
		// MACHINE_APPROVAL_NEEDED from the admin console).
		ev.targetID, ev.targetName, ev.targetType = tn.id, tn.name, "TAILNET"
		ev.property = pick(g, toggleProps)
		ev.action = "DISABLE"
		if r.IntN(5) < 2 {
			ev.action = "ENABLE"
		}
	case scNodeActor:
		g.nodeTarget(ev, n)
		ev.action = "UPDATE"
		if r.IntN(2) == 0 {
			ev.property = "MACHINE_NAME"
			ev.old = jStr(n.host)
			ev.new = jStr(n.host + "-" + hexID(r, 5))
		} else {
			ev.property = "ADVERTISED_ROUTES"
			ev.old = jRaw("null")
			ev.new = jArr("198.51.100.0/24")
		}
	}
	if r.IntN(100) < 3 {
		ev.err = pick(g, errorTexts)
		if r.IntN(2) == 0 {
			ev.new = nil
		}
	}
}

func pick2(g *Generator, a, b int) int {
	if g.r.IntN(2) == 0 {
		return a
	}
	return b
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// policyText renders revision rev of the tailnet policy file (HuJSON with
// comments, quotes and newlines: a good string-escaping workout).
func policyText(rev int) string {
	ports := []string{"22", "443", "5432", "6443", "8080", "9100"}
	b := []byte("// Tailnet policy, revision ")
	b = strconv.AppendInt(b, int64(rev), 10)
	b = append(b, "\n{\n\t\"groups\": {\n\t\t\"group:eng\": [\"alice@example.com\", \"bob@example.com\", \"carol@example.com\"],\n\t\t\"group:ops\": [\"dave@example.com\", \"erin@example.com\"],\n\t},\n"...)
	b = append(b, "\t\"tagOwners\": {\"tag:prod\": [\"group:ops\"], \"tag:ci\": [\"autogroup:admin\"]},\n\t\"acls\": [\n"...)
	for i := 0; i <= rev%4; i++ {
		b = append(b, "\t\t{\"action\": \"accept\", \"src\": [\"group:eng\"], \"dst\": [\"tag:prod:"...)
		b = append(b, ports[(rev+i)%len(ports)]...)
		b = append(b, "\"]},\n"...)
	}
	b = append(b, "\t\t{\"action\": \"accept\", \"src\": [\"group:ops\"], \"dst\": [\"*:*\"]},\n\t],\n}\n"...)
	return string(b)
}
