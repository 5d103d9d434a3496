// Package rowcmp makes rows of the same records comparable whatever wrote
// or read them: NDJSON rows from tslogs parse, and Parquet rows read back by
// parquet-go or by DuckDB (as JSON). Tests of the Parquet output use it to
// check that it holds the same rows as NDJSON.
package rowcmp

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tslogs/tslogs/jlex"
)

// A Source is how a reader gives timestamps and JSON columns.
type Source struct {
	// TimeLayout parses a timestamp given as text; "" means the value is a
	// number of microseconds.
	TimeLayout string
	// JSONText means JSON columns come as text holding the JSON.
	JSONText bool
}

// The sources of the tests.
var (
	NDJSON    = Source{TimeLayout: time.RFC3339Nano}
	ParquetGo = Source{JSONText: true}                                              // parquet-go, as generic values through encoding/json
	DuckDB    = Source{TimeLayout: "2006-01-02 15:04:05.999999-07", JSONText: true} // to_json of a row, with TimeZone UTC
)

// Normalize rewrites row, described by c, in place: timestamps become
// microseconds (int64), JSON text the value it holds, and null or absent
// fields are dropped.
func Normalize(row map[string]any, c *jlex.Column, src Source) error {
	for _, f := range c.Fields {
		v, ok := row[f.Name]
		if !ok {
			continue
		}
		if v == nil {
			delete(row, f.Name)
			continue
		}
		nv, err := value(v, f, src)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		row[f.Name] = nv
	}
	return nil
}

func value(v any, c *jlex.Column, src Source) (any, error) {
	switch c.Type {
	case jlex.ColTimestamp:
		if src.TimeLayout == "" {
			switch n := v.(type) {
			case float64:
				return int64(n), nil
			case int64:
				return n, nil
			}
			return nil, fmt.Errorf("timestamp %v is not a number", v)
		}
		s, _ := v.(string)
		tm, err := time.Parse(src.TimeLayout, s)
		if err != nil {
			return nil, err
		}
		return tm.UnixMicro(), nil
	case jlex.ColJSON:
		if src.JSONText {
			var x any
			s, _ := v.(string)
			if err := json.Unmarshal([]byte(s), &x); err != nil {
				return nil, fmt.Errorf("a JSON column holds %q: %w", s, err)
			}
			return x, nil
		}
	case jlex.ColGroup:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("a group is %T", v)
		}
		return m, Normalize(m, c, src)
	case jlex.ColList:
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("a list is %T", v)
		}
		for i := range list {
			if list[i] == nil {
				continue
			}
			e, err := value(list[i], c.Element, src)
			if err != nil {
				return nil, err
			}
			list[i] = e
		}
	}
	return v, nil
}
