package mirror

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/go-faster/jx"
)

// This file decodes the mirror structs with github.com/go-faster/jx, driven
// by hand: the decoder one would write for these records with jx, reading
// keys as bytes, numbers with jx's integer and float readers, times with
// time.Time.UnmarshalText (RFC 3339) and skipping unknown keys. A field that
// is absent or null keeps the value it had, as with encoding/json; callers
// reusing a value call Reset first.

// DecodeJX decodes one network record from d into x.
func (x *Network) DecodeJX(d *jx.Decoder) error {
	return d.ObjBytes(func(d *jx.Decoder, key []byte) error {
		switch string(key) {
		case "time":
			return jxFloat(d, &x.Time)
		case "event":
			return x.Event.decodeJX(d)
		case "fields":
			return jxObj(d, func(d *jx.Decoder, key []byte) error {
				if string(key) == "recorded" {
					return jxTime(d, &x.Fields.Recorded)
				}
				return d.Skip()
			})
		}
		return d.Skip()
	})
}

func (x *NetworkEvent) decodeJX(d *jx.Decoder) error {
	return jxObj(d, func(d *jx.Decoder, key []byte) error {
		switch string(key) {
		case "nodeId":
			return jxStr(d, &x.NodeID)
		case "start":
			return jxTime(d, &x.Start)
		case "end":
			return jxTime(d, &x.End)
		case "srcNode":
			return x.SrcNode.decodeJX(d)
		case "dstNodes":
			return jxSlice(d, &x.DstNodes, (*Node).decodeJX)
		case "virtualTraffic":
			return jxSlice(d, &x.VirtualTraffic, (*Traffic).decodeJX)
		case "subnetTraffic":
			return jxSlice(d, &x.SubnetTraffic, (*Traffic).decodeJX)
		case "exitTraffic":
			return jxSlice(d, &x.ExitTraffic, (*Traffic).decodeJX)
		case "physicalTraffic":
			return jxSlice(d, &x.PhysicalTraffic, (*Traffic).decodeJX)
		case "logged":
			return jxTime(d, &x.Logged)
		}
		return d.Skip()
	})
}

func (x *Node) decodeJX(d *jx.Decoder) error {
	return jxObj(d, func(d *jx.Decoder, key []byte) error {
		switch string(key) {
		case "nodeId":
			return jxStr(d, &x.NodeID)
		case "name":
			return jxStr(d, &x.Name)
		case "addresses":
			return jxStrings(d, &x.Addresses)
		case "os":
			return jxStr(d, &x.OS)
		case "user":
			return jxStr(d, &x.User)
		case "tags":
			return jxStrings(d, &x.Tags)
		}
		return d.Skip()
	})
}

func (x *Traffic) decodeJX(d *jx.Decoder) error {
	return jxObj(d, func(d *jx.Decoder, key []byte) error {
		var err error
		switch string(key) {
		case "proto":
			if d.Next() == jx.Null {
				return d.Null()
			}
			x.Proto, err = d.Int16()
		case "src":
			return jxStr(d, &x.Src)
		case "dst":
			return jxStr(d, &x.Dst)
		case "txPkts":
			return jxInt64(d, &x.TxPkts)
		case "txBytes":
			return jxInt64(d, &x.TxBytes)
		case "rxPkts":
			return jxInt64(d, &x.RxPkts)
		case "rxBytes":
			return jxInt64(d, &x.RxBytes)
		default:
			return d.Skip()
		}
		return err
	})
}

// DecodeJX decodes one audit record from d into x.
func (x *Audit) DecodeJX(d *jx.Decoder) error {
	return d.ObjBytes(func(d *jx.Decoder, key []byte) error {
		switch string(key) {
		case "time":
			return jxFloat(d, &x.Time)
		case "event":
			return x.Event.decodeJX(d)
		case "fields":
			return jxObj(d, func(d *jx.Decoder, key []byte) error {
				if string(key) == "recorded" {
					return jxTime(d, &x.Fields.Recorded)
				}
				return d.Skip()
			})
		}
		return d.Skip()
	})
}

func (x *AuditEvent) decodeJX(d *jx.Decoder) error {
	return jxObj(d, func(d *jx.Decoder, key []byte) error {
		switch string(key) {
		case "deferredAt":
			return jxTime(d, &x.DeferredAt)
		case "eventGroupID":
			return jxStr(d, &x.EventGroupID)
		case "origin":
			return jxStr(d, &x.Origin)
		case "actor":
			return jxObj(d, func(d *jx.Decoder, key []byte) error {
				a := &x.Actor
				switch string(key) {
				case "id":
					return jxStr(d, &a.ID)
				case "type":
					return jxStr(d, &a.Type)
				case "loginName":
					return jxStr(d, &a.LoginName)
				case "displayName":
					return jxStr(d, &a.DisplayName)
				case "tags":
					return jxStrings(d, &a.Tags)
				}
				return d.Skip()
			})
		case "target":
			return jxObj(d, func(d *jx.Decoder, key []byte) error {
				t := &x.Target
				switch string(key) {
				case "id":
					return jxStr(d, &t.ID)
				case "name":
					return jxStr(d, &t.Name)
				case "type":
					return jxStr(d, &t.Type)
				case "property":
					return jxStr(d, &t.Property)
				case "isEphemeral":
					if d.Next() == jx.Null {
						return d.Null()
					}
					v, err := d.Bool()
					t.IsEphemeral = v
					return err
				}
				return d.Skip()
			})
		case "action":
			return jxStr(d, &x.Action)
		case "old":
			return jxRaw(d, &x.Old)
		case "new":
			return jxRaw(d, &x.New)
		case "actionDetails":
			return jxStr(d, &x.ActionDetails)
		case "error":
			return jxStr(d, &x.Error)
		case "eventTime":
			return jxTime(d, &x.EventTime)
		case "type":
			return jxStr(d, &x.Type)
		case "logged":
			return jxTime(d, &x.Logged)
		}
		return d.Skip()
	})
}

// jxObj decodes an object with f, or leaves it to the caller's zero value
// when it is null.
func jxObj(d *jx.Decoder, f func(d *jx.Decoder, key []byte) error) error {
	if d.Next() == jx.Null {
		return d.Null()
	}
	return d.ObjBytes(f)
}

// jxSlice decodes an array into *s, reusing its capacity.
func jxSlice[T any](d *jx.Decoder, s *[]T, elem func(*T, *jx.Decoder) error) error {
	if d.Next() == jx.Null {
		*s = nil
		return d.Null()
	}
	*s = (*s)[:0]
	return d.Arr(func(d *jx.Decoder) error {
		var zero T
		*s = append(*s, zero)
		return elem(&(*s)[len(*s)-1], d)
	})
}

func jxStrings(d *jx.Decoder, s *[]string) error {
	if d.Next() == jx.Null {
		*s = nil
		return d.Null()
	}
	*s = (*s)[:0]
	return d.Arr(func(d *jx.Decoder) error {
		v, err := d.Str()
		*s = append(*s, v)
		return err
	})
}

func jxStr(d *jx.Decoder, s *string) error {
	if d.Next() == jx.Null {
		return d.Null()
	}
	v, err := d.Str()
	*s = v
	return err
}

func jxInt64(d *jx.Decoder, n *int64) error {
	if d.Next() == jx.Null {
		return d.Null()
	}
	v, err := d.Int64()
	*n = v
	return err
}

func jxFloat(d *jx.Decoder, f *float64) error {
	if d.Next() == jx.Null {
		return d.Null()
	}
	v, err := d.Float64()
	*f = v
	return err
}

func jxTime(d *jx.Decoder, t *time.Time) error {
	switch d.Next() {
	case jx.Null:
		return d.Null()
	case jx.String:
	default:
		return fmt.Errorf("time: expected a string, found %s", d.Next())
	}
	b, err := d.StrBytes()
	if err != nil {
		return err
	}
	return t.UnmarshalText(b)
}

// jxRaw copies the raw JSON of the next value into *m (null included, as
// json.RawMessage does).
func jxRaw(d *jx.Decoder, m *json.RawMessage) error {
	raw, err := d.Raw()
	if err != nil {
		return err
	}
	*m = append((*m)[:0], raw...)
	return nil
}
