package serve

import (
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadOrCreateToken(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	toks, path, created, warn, err := LoadOrCreateToken(dir)
	require.NoError(t, err)
	assert.True(t, created)
	assert.Empty(t, warn)
	require.Len(t, toks, 1)
	assert.Len(t, toks[0], 43)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	again, _, created, _, err := LoadOrCreateToken(dir)
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, toks, again)
	left, _ := filepath.Glob(filepath.Join(dir, ".token-*"))
	assert.Empty(t, left)
}

func TestLoadOrCreateTokenRace(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			toks, _, _, _, err := LoadOrCreateToken(dir)
			if assert.NoError(t, err) {
				got[i] = toks[0]
			}
		}()
	}
	wg.Wait()
	for _, g := range got {
		assert.Equal(t, got[0], g, "every receiver sharing the directory gets the same token")
	}
}

func TestReadTokenFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tok")
	require.NoError(t, os.WriteFile(p, []byte("# new one\n  new-token-0123456789  \n\nold-token-0123456789\n"), 0o644))
	toks, warn, err := ReadTokenFile(p)
	require.NoError(t, err)
	assert.Equal(t, []string{"new-token-0123456789", "old-token-0123456789"}, toks)
	assert.Contains(t, warn, "chmod 600")
	require.NoError(t, os.WriteFile(p, []byte("# nothing\n"), 0o600))
	_, _, err = ReadTokenFile(p)
	assert.Error(t, err)
	// A token shorter than MinTokenLength is refused, naming its line.
	require.NoError(t, os.WriteFile(p, []byte("# short\nlong-enough-token-123\nx\n"), 0o600))
	_, _, err = ReadTokenFile(p)
	assert.ErrorContains(t, err, p+":3: the token has 1 characters: a token needs at least 16")
}

func TestAuthenticator(t *testing.T) {
	const alpha, beta = "alpha-token-0123456", "beta-token-01234567"
	a, err := newAuthenticator([]string{alpha, beta})
	require.NoError(t, err)
	check := func(h string) (bool, bool) {
		r, _ := http.NewRequest("POST", "/", nil)
		if h != "" {
			r.Header.Set("Authorization", h)
		}
		return a.check(r)
	}
	for h, want := range map[string]bool{
		"Bearer " + alpha: true, "Bearer " + beta: true, "SPLUNK " + beta: true,
		"Basic " + base64.StdEncoding.EncodeToString([]byte("u:"+alpha)): true,
		"Basic " + base64.StdEncoding.EncodeToString([]byte(alpha+":")):  false, // token as user name
		"Bearer " + alpha[:len(alpha)-1]:                                 false, "Bearer " + alpha + "a": false, "Bearer": false, alpha: false,
	} {
		ok, present := check(h)
		assert.Equal(t, want, ok, h)
		assert.True(t, present)
	}
	ok, present := check("")
	assert.False(t, ok)
	assert.False(t, present)
	_, err = newAuthenticator(nil)
	assert.Error(t, err)
	_, err = newAuthenticator([]string{""})
	assert.Error(t, err)
}
