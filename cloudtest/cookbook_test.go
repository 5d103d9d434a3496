package cloudtest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var sqlBlock = regexp.MustCompile("(?s)```sql\n(.*?)```")

// TestCookbookDuckDB runs every SQL block of the DuckDB section of
// docs/cookbook.md against the bundled sample written as Parquet: each
// query must run and return rows.
func TestCookbookDuckDB(t *testing.T) {
	doc, err := os.ReadFile("../docs/cookbook.md")
	require.NoError(t, err)
	section := string(doc)
	start := strings.Index(section, "## DuckDB")
	end := strings.Index(section, "## ClickHouse")
	require.True(t, start >= 0 && end > start, "docs/cookbook.md lost its DuckDB section")
	section = section[start:end]

	dir := t.TempDir()
	lake := filepath.Join(dir, "lake")
	tslogs(t, nil, 0, "parse", "--format", "parquet", "--out", lake, "../testdata/sample/network.log", "../testdata/sample/audit.log")
	db := duck(t)
	_, err = db.Exec("SET file_search_path = '" + dir + "'")
	require.NoError(t, err)

	blocks := sqlBlock.FindAllStringSubmatch(section, -1)
	require.GreaterOrEqual(t, len(blocks), 8)
	for _, b := range blocks {
		q := strings.ReplaceAll(b[1], "'lake/", "'"+lake+"/")
		q = strings.ReplaceAll(q, "TO 'compact'", "TO '"+filepath.Join(dir, "compact")+"'")
		name := strings.SplitN(strings.TrimSpace(b[1]), "\n", 2)[0]
		t.Run(name, func(t *testing.T) {
			rows, err := db.Query(q)
			require.NoError(t, err, q)
			defer rows.Close()
			assert.True(t, rows.Next(), "no rows: %s", q)
		})
	}
	compacted, err := filepath.Glob(filepath.Join(dir, "compact", "p_log_type=*", "dt=*", "hour=*", "*.parquet"))
	require.NoError(t, err)
	assert.NotEmpty(t, compacted, "the compaction query wrote no files")
}
