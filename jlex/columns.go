package jlex

import (
	"net/netip"
	"slices"
	"strconv"
	"time"
)

// This file is the columnar contract between generated code and a columnar
// file writer (Parquet): generated code describes each row type's columns
// with a Column tree and hands every value of a row to a ColumnWriter, with
// no reflection and no dependency on a Parquet library. An adapter to such a
// library lives outside the packages generated code imports.

// ColumnType is the type of a Column.
type ColumnType uint8

// The column types. Leaves are ColString … ColJSON; ColGroup and ColList
// nest.
const (
	ColString    ColumnType = iota + 1 // UTF-8 text
	ColInt16                           // smallint, stored as a 32-bit integer
	ColInt32                           // int
	ColInt64                           // bigint
	ColFloat64                         // float
	ColBool                            // boolean
	ColTimestamp                       // a UTC instant (written as microseconds)
	ColJSON                            // any JSON value, as compact JSON text
	ColGroup                           // an object: Fields, in order
	ColList                            // an array: Element
)

var columnTypeNames = [...]string{"", "string", "int16", "int32", "int64", "float64", "bool", "timestamp", "json", "group", "list"}

// String returns the type's name: "string", "int64", "group"…
func (t ColumnType) String() string {
	if int(t) < len(columnTypeNames) && t != 0 {
		return columnTypeNames[t]
	}
	return "ColumnType(" + strconv.Itoa(int(t)) + ")"
}

// Column describes one column of a row type, or a group or list of them.
// Every column is optional (null when its field is absent) unless Required;
// list elements are required unless Optional.
type Column struct {
	// Name is the column's name: the field's JSON name, "element" for a
	// list's element.
	Name string
	// Type is the column's type.
	Type     ColumnType
	Required bool      // never null: the p_ columns every row has
	Optional bool      // for a list Element: may be null (a JSON null)
	Fields   []*Column // ColGroup: the fields, in schema order
	Element  *Column   // ColList: the element (named "element")
}

// Leaf is one leaf column of a row type, in the order column indexes count.
type Leaf struct {
	Path   []string   // field names from the root, without list levels
	Type   ColumnType // a leaf type
	MaxRep int        // repetition levels on its path: the lists above it
	MaxDef int        // definition levels on its path
}

// Leaves lists the leaf columns under c (a group) in column-index order,
// with the repetition and definition levels a Parquet-style writer computes
// for them: a list counts one repetition level and two definition levels
// (the list and its repeated entry) plus one for an optional element; any
// other column counts one definition level unless it is Required.
func (c *Column) Leaves() []Leaf {
	var out []Leaf
	var walk func(c *Column, path []string, rep, def int)
	walk = func(c *Column, path []string, rep, def int) {
		switch c.Type {
		case ColGroup:
			for _, f := range c.Fields {
				d := def
				if !f.Required {
					d++
				}
				walk(f, append(slices.Clip(path), f.Name), rep, d)
			}
		case ColList:
			d := def + 1 // the repeated entry
			if c.Element.Optional {
				d++
			}
			walk(c.Element, path, rep+1, d)
		default:
			out = append(out, Leaf{Path: path, Type: c.Type, MaxRep: rep, MaxDef: def})
		}
	}
	walk(c, nil, 0, 0)
	return out
}

// ColumnWriter receives the values of one row, column by column, in the
// form Parquet stores nested data (Dremel shredding). col is the leaf
// column's index in Leaves order; rep is the repetition level (0 for the
// row's first value in that column, else the level of the list where a new
// element starts); def is the definition level (how many of the optional
// and repeated columns on the path are present). Strings and byte slices
// are valid only during the call unless the writer is told otherwise: a
// writer must copy what it keeps.
//
// Generated WriteColumns methods call these in column order, once or more
// per column per row, and the caller ends the row.
type ColumnWriter interface {
	// Nulls writes a null (or an empty or absent list) to n consecutive
	// columns starting at col, all with the same levels.
	Nulls(col, n, rep, def int)
	Bool(col, rep, def int, v bool)
	Int32(col, rep, def int, v int32)
	Int64(col, rep, def int, v int64)
	Float64(col, rep, def int, v float64)
	String(col, rep, def int, v string)
	// Bytes writes UTF-8 text held in a byte slice.
	Bytes(col, rep, def int, v []byte)
	// Addr writes an address as text in canonical form.
	Addr(col, rep, def int, v netip.Addr)
	// Time writes a timestamp (a ColTimestamp column).
	Time(col, rep, def int, v time.Time)
	// JSON writes a validated JSON value, which the writer stores as compact
	// text (AppendCompactJSON).
	JSON(col, rep, def int, v []byte)
}

// NextRowID returns the next p_row_id as AppendMeta would write it (RowID,
// or RowIDPrefix and a counter that this call advances), in memory owned by
// m that the next call reuses.
func (m *RowMeta) NextRowID() []byte {
	m.id = m.id[:0]
	switch {
	case m.RowID != "":
		m.id = append(m.id, m.RowID...)
	case m.RowIDPrefix != "":
		m.seq++
		m.id = append(m.id, m.RowIDPrefix...)
		m.id = strconv.AppendUint(m.id, m.seq, 16)
	}
	return m.id
}

// Addrs returns the addresses collected by fill as de-duplicated canonical
// text sorted byte-wise, as AppendAddrs writes them, in memory owned by m
// that the next call reuses.
func (m *RowMeta) Addrs(fill func([]netip.Addr) []netip.Addr) [][]byte {
	m.CollectAddrs(fill)
	m.texts = m.texts[:0]
	for i := range m.addrs.ents {
		e := &m.addrs.ents[i]
		m.texts = append(m.texts, m.addrs.txt[e.start:e.end])
	}
	return m.texts
}

// Strings returns the strings collected by fill, in memory owned by m that
// the next call reuses.
func (m *RowMeta) Strings(fill func([]string) []string) []string {
	m.strs = fill(m.strs[:0])
	return m.strs
}

// WriteAddrList writes a p_any_* list of addresses (a top-level optional
// list of required strings): null when there are none.
func WriteAddrList(w ColumnWriter, col int, texts [][]byte) {
	if len(texts) == 0 {
		w.Nulls(col, 1, 0, 0)
		return
	}
	for i, t := range texts {
		w.Bytes(col, min(i, 1), 2, t)
	}
}

// WriteStringList writes a p_any_* list of strings (a top-level optional
// list of required strings): null when there are none.
func WriteStringList(w ColumnWriter, col int, ss []string) {
	if len(ss) == 0 {
		w.Nulls(col, 1, 0, 0)
		return
	}
	for i, s := range ss {
		w.String(col, min(i, 1), 2, s)
	}
}

// WriteMeta writes the p_log_type, p_event_time, p_parse_time and p_row_id
// columns, required, at col to col+3. A zero eventTime falls back to the
// parse time, as in AppendMeta.
func (m *RowMeta) WriteMeta(w ColumnWriter, col int, logType string, eventTime time.Time) {
	if eventTime.IsZero() {
		eventTime = m.ParseTime
	}
	w.String(col, 0, 0, logType)
	w.Time(col+1, 0, 0, eventTime)
	w.Time(col+2, 0, 0, m.ParseTime)
	w.Bytes(col+3, 0, 0, m.NextRowID())
}

// MetaColumns returns the p_ columns every row ends with: p_log_type,
// p_event_time, p_parse_time and p_row_id (required), then one list of
// strings per indicator column named.
func MetaColumns(indicators ...string) []*Column {
	cols := []*Column{
		{Name: "p_log_type", Type: ColString, Required: true},
		{Name: "p_event_time", Type: ColTimestamp, Required: true},
		{Name: "p_parse_time", Type: ColTimestamp, Required: true},
		{Name: "p_row_id", Type: ColString, Required: true},
	}
	for _, name := range indicators {
		cols = append(cols, &Column{Name: name, Type: ColList, Element: &Column{Name: "element", Type: ColString}})
	}
	return cols
}
