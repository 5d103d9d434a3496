package serve

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/tslogs/tslogs/internal/safefs"
	"hash/crc32"
	"io"
	"os"
	"strconv"
)

// The commit journal: OUT/.journal-HOST, one line per commit,
//
//	CRC32C-HEX8 {"t":UNIX_NANOS,"files":{"REL":SIZE,...},"ids":["BATCH_ID",...]}
//
// A batch is committed exactly when its journal line is on disk (written
// and fsynced): the line gives the size of every file the batch wrote, after
// it. Bytes of a file beyond the size its last line gives belong to a batch
// that was never acknowledged (a crash, or a failure whose truncation
// failed too); they are truncated when the file is opened, at startup or
// later. The IDs are the digests of the committed request bodies, so that a
// sender's retry of a body whose acknowledgement was lost is recognised.
// A line cut short by a crash (no newline, or a checksum that does not
// match) was never acknowledged either; it is truncated at startup.
type journal struct {
	s     *Sink
	rel   string
	f     *os.File
	size  int64 // bytes of complete lines
	dirty bool  // a failed append may have left bytes after size
	base  int64 // size right after the last checkpoint
}

type journalRecord struct {
	T     int64            `json:"t"`
	Files map[string]int64 `json:"files,omitempty"`
	IDs   []string         `json:"ids,omitempty"`
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

func (r *journalRecord) appendLine(dst []byte) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return dst, err
	}
	dst = fmt.Appendf(dst, "%08x ", crc32.Checksum(b, crcTable))
	dst = append(dst, b...)
	return append(dst, '\n'), nil
}

// parseJournal returns the records of data up to the first line that is
// incomplete or damaged, and the length of that good prefix.
func parseJournal(data []byte) (recs []journalRecord, good int) {
	for good < len(data) {
		i := bytes.IndexByte(data[good:], '\n')
		if i < 0 {
			break
		}
		line := data[good : good+i]
		if len(line) < 10 || line[8] != ' ' {
			break
		}
		sum, err := strconv.ParseUint(string(line[:8]), 16, 32)
		if err != nil || uint32(sum) != crc32.Checksum(line[9:], crcTable) {
			break
		}
		var r journalRecord
		if json.Unmarshal(line[9:], &r) != nil {
			break
		}
		recs = append(recs, r)
		good += i + 1
	}
	return recs, good
}

// openJournal opens (or creates) the journal and reads it, truncating a
// damaged tail.
func (s *Sink) openJournal() (*journal, []journalRecord, error) {
	j := &journal{s: s, rel: ".journal-" + s.host}
	if err := s.fault("open", kindJournal); err != nil {
		return nil, nil, err
	}
	f, err := s.d.OpenFile(j.rel, os.O_RDWR|os.O_APPEND, true)
	if err != nil {
		return nil, nil, err
	}
	j.f = f
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	recs, good := parseJournal(data)
	if good < len(data) {
		if err := j.truncate(int64(good)); err != nil {
			f.Close()
			return nil, nil, err
		}
		s.log.Warn("truncated the damaged end of the commit journal (a commit cut short by a crash, never acknowledged)",
			"path", f.Name(), "bytes", len(data)-good)
	}
	j.size, j.base = int64(good), int64(good)
	return j, recs, nil
}

func (j *journal) truncate(size int64) error {
	if err := j.s.fault("truncate", kindJournal); err != nil {
		return err
	}
	if err := j.f.Truncate(size); err != nil {
		return err
	}
	return safefs.Datasync(j.f)
}

// append writes recs and fsyncs. On failure the journal is truncated back,
// so the records are not committed (or, if even that fails, it is truncated
// before the next append).
func (j *journal) append(recs ...*journalRecord) error {
	var line []byte
	for _, r := range recs {
		var err error
		if line, err = r.appendLine(line); err != nil {
			return err
		}
	}
	if j.f == nil {
		f, err := j.s.d.OpenFile(j.rel, os.O_RDWR|os.O_APPEND, false)
		if err != nil {
			return err
		}
		j.f, j.dirty = f, true
	}
	if j.dirty {
		if err := j.truncate(j.size); err != nil {
			return err
		}
		j.dirty = false
	}
	err := j.s.fault("write", kindJournal)
	n := 0
	if err == nil {
		n, err = j.f.Write(line)
	}
	if err == nil {
		if err = j.s.fault("sync", kindJournal); err == nil {
			err = safefs.Datasync(j.f)
		}
	}
	if err != nil {
		if n > 0 {
			if terr := j.truncate(j.size); terr != nil {
				j.dirty = true
			}
		} else {
			j.dirty = true // a failed fsync may have left data: check next time
		}
		return err
	}
	j.size += int64(len(line))
	return nil
}

// checkpoint replaces the journal by recs: written aside, fsynced, renamed.
func (j *journal) checkpoint(recs []*journalRecord) error {
	var data []byte
	for _, r := range recs {
		var err error
		if data, err = r.appendLine(data); err != nil {
			return err
		}
	}
	tmp := j.rel + ".tmp"
	if err := j.s.fault("write", kindJournal); err != nil {
		return err
	}
	f, err := j.s.d.OpenFile(tmp, os.O_WRONLY|os.O_TRUNC, true)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = safefs.Datasync(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = j.s.d.Rename(tmp, j.rel)
	}
	if err != nil {
		j.s.d.Remove(tmp)
		return err
	}
	// The old handle appends to the replaced file: never use it again.
	j.f.Close()
	j.f = nil
	j.size, j.base, j.dirty = int64(len(data)), int64(len(data)), false
	nf, err := j.s.d.OpenFile(j.rel, os.O_RDWR|os.O_APPEND, false)
	if err != nil {
		return err // append opens it
	}
	j.f = nf
	return nil
}

func (j *journal) close() error {
	if j.f == nil {
		return nil
	}
	return j.f.Close()
}
