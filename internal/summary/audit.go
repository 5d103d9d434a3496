package summary

import (
	"bytes"
	"strings"
	"time"

	"github.com/tslogs/tslogs/tailscale"
)

// Rule is a security-relevant configuration change to look for in audit
// records.
type Rule struct {
	ID       string // Panther's RuleID, or a tslogs.* ID for tslogs' own rules
	Severity string // Critical, High, Medium, Low or Info
	Title    string
	// Panther marks the rules of Panther's Tailscale pack (panther-analysis
	// rules/tailscale_rules), which tslogs applies as they are written.
	Panther bool
	Match   func(ev *tailscale.AuditEvent) bool
}

// isDisable reports an action that turns property off: Tailscale writes
// DISABLE with the property named in target.property.
func isDisable(ev *tailscale.AuditEvent, property string) bool {
	return ev.Action == "DISABLE" && ev.Target.Property == property
}

// setTo reports an UPDATE of property whose new value is the JSON value v.
func setTo(ev *tailscale.AuditEvent, property, v string) bool {
	return ev.Action == "UPDATE" && ev.Target.Property == property && string(bytes.TrimSpace(ev.New)) == v
}

// Rules are the rules Findings are made of: first Panther's three Tailscale
// detections (a setting turned off from the admin console), then tslogs'
// own, for other changes that weaken a tailnet or hide what happens in it.
// A change that fails (error set) is not a finding.
var Rules = []Rule{
	{ID: "Tailscale.HTTPS.Disabled", Severity: "High", Title: "HTTPS disabled from the admin console", Panther: true,
		Match: func(ev *tailscale.AuditEvent) bool { return isDisable(ev, "HTTPS") && ev.Origin == "ADMIN_CONSOLE" }},
	{ID: "Tailscale.Magic.DNS.Disabled", Severity: "High", Title: "MagicDNS disabled from the admin console", Panther: true,
		Match: func(ev *tailscale.AuditEvent) bool { return isDisable(ev, "MAGIC_DNS") && ev.Origin == "ADMIN_CONSOLE" }},
	{ID: "Tailscale.Machine.Approval.Requirements.Disabled", Severity: "High", Title: "Device approval requirement disabled from the admin console", Panther: true,
		Match: func(ev *tailscale.AuditEvent) bool {
			return isDisable(ev, "MACHINE_APPROVAL_NEEDED") && ev.Origin == "ADMIN_CONSOLE"
		}},
	{ID: "tslogs.Setting.Disabled.Elsewhere", Severity: "Medium", Title: "HTTPS, MagicDNS or device approval disabled outside the admin console",
		Match: func(ev *tailscale.AuditEvent) bool {
			return ev.Origin != "ADMIN_CONSOLE" && (isDisable(ev, "HTTPS") || isDisable(ev, "MAGIC_DNS") || isDisable(ev, "MACHINE_APPROVAL_NEEDED"))
		}},
	{ID: "tslogs.Flow.Logging.Disabled", Severity: "High", Title: "Network flow logging turned off",
		Match: func(ev *tailscale.AuditEvent) bool {
			return isDisable(ev, "NETWORK_FLOW_LOGGING") || setTo(ev, "NETWORK_FLOW_LOGGING", "false")
		}},
	{ID: "tslogs.Log.Streaming.Changed", Severity: "Medium", Title: "Log streaming destination changed or removed",
		Match: func(ev *tailscale.AuditEvent) bool {
			return ev.Target.Type == "LOG_STREAM_ENDPOINT" && (ev.Action == "UPDATE" || ev.Action == "DELETE")
		}},
	{ID: "tslogs.Approval.Setting.Off", Severity: "Medium", Title: "Device or user approval setting turned off",
		Match: func(ev *tailscale.AuditEvent) bool {
			return setTo(ev, "DEVICE_APPROVAL", "false") || setTo(ev, "USER_APPROVAL", "false")
		}},
	{ID: "tslogs.Key.Expiry.Disabled", Severity: "Medium", Title: "Node key expiry disabled",
		Match: func(ev *tailscale.AuditEvent) bool { return setTo(ev, "KEY_EXPIRY_DISABLED", "true") }},
	{ID: "tslogs.Admin.Role.Granted", Severity: "Medium", Title: "Admin role granted",
		Match: func(ev *tailscale.AuditEvent) bool {
			return ev.Action == "UPDATE" && ev.Target.Property == "ROLE" && bytes.Contains(ev.New, []byte("admin"))
		}},
	{ID: "tslogs.Policy.Changed", Severity: "Low", Title: "Tailnet policy file (ACL) changed",
		Match: func(ev *tailscale.AuditEvent) bool { return ev.Action == "UPDATE" && ev.Target.Property == "ACL" }},
	{ID: "tslogs.API.Key.Created", Severity: "Low", Title: "API access key created",
		Match: func(ev *tailscale.AuditEvent) bool { return ev.Action == "CREATE" && ev.Target.Type == "API_KEY" }},
}

// Finding is an audit event a Rule matched.
type Finding struct {
	Time     time.Time `json:"time"`
	RuleID   string    `json:"ruleId"`
	Severity string    `json:"severity"`
	Title    string    `json:"title"`
	Panther  bool      `json:"panther,omitempty"`
	Actor    string    `json:"actor"`
	Origin   string    `json:"origin,omitempty"`
	Action   string    `json:"action"`
	Target   string    `json:"target"`
	Property string    `json:"property,omitempty"`
	Old      string    `json:"old,omitempty"`
	New      string    `json:"new,omitempty"`
}

// actorLabel names an audit event's actor: the login name, else the display
// name with its type, else the ID.
func actorLabel(ac *tailscale.AuditActor) string {
	switch {
	case ac.LoginName != "":
		return ac.LoginName
	case ac.DisplayName != "" && ac.Type != "" && ac.Type != "USER":
		return ac.DisplayName + " (" + strings.ToLower(strings.ReplaceAll(ac.Type, "_", " ")) + ")"
	case ac.DisplayName != "":
		return ac.DisplayName
	case ac.ID != "":
		return ac.ID
	}
	return "(unknown)"
}

func targetLabel(tg *tailscale.AuditTarget) string {
	name := tg.Name
	if name == "" {
		name = tg.ID
	}
	if name == "" {
		return tg.Type
	}
	return tg.Type + " " + name
}

// counter counts distinct strings, at most max of them; more count as
// "(other)". Its values are pointers: assigning to an existing string key
// would replace the key with the new string, which may point into a
// record's reused buffer.
type counter struct {
	max int
	m   map[string]*int64
}

const otherLabel = "(other)"

func newCounter(max int) counter { return counter{max: max, m: map[string]*int64{}} }

// key returns the label s counts under: s, or "(other)" when the counter is
// full and s is new.
func (c *counter) key(s string) string {
	if _, ok := c.m[s]; ok || len(c.m) < c.max {
		return s
	}
	return otherLabel
}

func (c *counter) add(s string, n int64) {
	if v := c.m[s]; v != nil {
		*v += n
		return
	}
	k := c.key(s)
	if v := c.m[k]; v != nil {
		*v += n
		return
	}
	c.m[strings.Clone(k)] = &n
}

func (c *counter) merge(o *counter) {
	for k, v := range o.m {
		c.add(k, *v)
	}
}

type auditAgg struct {
	opt                              Options
	events                           int64
	actions, actors, origins, target counter
	failed                           int64 // events with error set
	findings                         []Finding
	findingCount                     map[string]int64 // by rule ID
	timeline                         timeline
}

func newAuditAgg(opt Options) auditAgg {
	return auditAgg{opt: opt, actions: newCounter(opt.MaxDistinct), actors: newCounter(opt.MaxDistinct),
		origins: newCounter(opt.MaxDistinct), target: newCounter(opt.MaxDistinct), findingCount: map[string]int64{},
		timeline: newTimeline(opt.Bucket, opt.MaxBuckets)}
}

// AddAudit adds an audit record.
func (a *Aggregate) AddAudit(x *tailscale.Audit) {
	t := x.EventTime()
	a.addRecord("Tailscale.Audit", t)
	aa := &a.auditAgg
	ev := &x.Event
	aa.events++
	// The record's strings live in its buffer, reused by the next record:
	// what is kept is cloned.
	actor := strings.Clone(actorLabel(&ev.Actor))
	target := strings.Clone(targetLabel(&ev.Target))
	aa.actions.add(ev.Action, 1)
	aa.actors.add(actor, 1)
	aa.origins.add(ev.Origin, 1)
	aa.target.add(target, 1)
	aa.timeline.at(t).addAudit(aa.actors.key(actor))
	if ev.Error != "" {
		aa.failed++
		return
	}
	for i := range Rules {
		r := &Rules[i]
		if !r.Match(ev) {
			continue
		}
		aa.findingCount[r.ID]++
		if len(aa.findings) < aa.opt.MaxFindings {
			aa.findings = append(aa.findings, Finding{Time: t, RuleID: r.ID, Severity: r.Severity, Title: r.Title, Panther: r.Panther,
				Actor: actor, Origin: strings.Clone(ev.Origin), Action: strings.Clone(ev.Action), Target: target,
				Property: strings.Clone(ev.Target.Property), Old: shortJSON(ev.Old), New: shortJSON(ev.New)})
		}
	}
}

// shortJSON returns a JSON value as text, cut at 200 bytes.
func shortJSON(raw []byte) string {
	s := string(bytes.TrimSpace(raw))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func (aa *auditAgg) merge(o *auditAgg) {
	aa.events += o.events
	aa.failed += o.failed
	aa.actions.merge(&o.actions)
	aa.actors.merge(&o.actors)
	aa.origins.merge(&o.origins)
	aa.target.merge(&o.target)
	for k, v := range o.findingCount {
		aa.findingCount[k] += v
	}
	for _, f := range o.findings {
		if len(aa.findings) >= aa.opt.MaxFindings {
			break
		}
		aa.findings = append(aa.findings, f)
	}
	aa.timeline.merge(&o.timeline)
}
