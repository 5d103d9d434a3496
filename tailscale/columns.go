package tailscale

import (
	"sync"

	"github.com/tslogs/tslogs/jlex"
)

// RowColumns describes the columns of rows of log type t, in the order
// Reader.WriteColumns writes them: the generated type's Columns, then, with
// enrich, p_enrichment, a JSON column holding the same object as the
// p_enrichment member of AppendRow's rows (null when nothing resolves). It
// returns nil for LogTypeAuto.
func RowColumns(t LogType, enrich bool) *jlex.Column {
	var c *jlex.Column
	switch t {
	case LogTypeNetwork:
		c = (*Network)(nil).Columns()
	case LogTypeAudit:
		c = (*Audit)(nil).Columns()
	default:
		return nil
	}
	if enrich {
		c.Fields = append(c.Fields, &jlex.Column{Name: "p_enrichment", Type: jlex.ColJSON})
	}
	return c
}

// Columns describes the columns of the current record's rows:
// RowColumns(r.LogType(), ReaderOptions.Nodes != nil).
func (r *Reader) Columns() *jlex.Column { return RowColumns(r.typ, r.opt.Nodes != nil) }

// WriteColumns writes the current good record as one row to w, with the
// columns of Columns: the values of AppendRow, p_enrichment included when
// ReaderOptions.Nodes is set. The caller ends the row.
func (r *Reader) WriteColumns(w jlex.ColumnWriter, m *RowMeta) {
	switch r.typ {
	case LogTypeNetwork:
		r.network.WriteColumns(w, m)
	case LogTypeAudit:
		r.audit.WriteColumns(w, m)
	default:
		return
	}
	d := r.opt.Nodes
	if d == nil {
		return
	}
	leaves := leafCounts()[r.typ]
	// The enrichment member, after an opening brace so that no comma
	// precedes it: {"p_enrichment":{...}. Its value is the column's.
	const key = `"p_enrichment":`
	r.enr = append(r.enr[:0], '{')
	if r.typ == LogTypeNetwork {
		// WriteColumns has just collected the record's distinct addresses
		// for p_any_ip_addresses: the enrichment reuses them, and their text.
		r.enr = d.appendNetworkEnrichment(r.enr, r.network.Event.NodeID, m)
	} else {
		r.enr = d.AppendAuditEnrichment(r.enr, &r.audit)
	}
	if len(r.enr) <= 1+len(key) {
		w.Nulls(leaves, 1, 0, 0)
		return
	}
	// Compact JSON text already: written as is.
	w.Bytes(leaves, 0, 1, r.enr[1+len(key):])
}

// leafCounts gives the number of leaf columns of each generated row type,
// the index of p_enrichment after them.
var leafCounts = sync.OnceValue(func() map[LogType]int {
	return map[LogType]int{
		LogTypeNetwork: len((*Network)(nil).Columns().Leaves()),
		LogTypeAudit:   len((*Audit)(nil).Columns().Leaves()),
	}
})
