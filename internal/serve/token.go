package serve

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// TokenFileName is the name of the generated token file in the output
// directory.
const TokenFileName = "token"

// GenerateToken returns a new random token: 32 bytes from crypto/rand,
// base64url without padding (43 characters).
func GenerateToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// ReadTokenFile reads the tokens of a token file: one per line; blank lines
// and lines starting with '#' are ignored, so a file can hold a new and an
// old token while senders are switched over. It warns (in warn) when the
// file can be read by group or others.
func ReadTokenFile(path string) (tokens []string, warn string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		warn = fmt.Sprintf("token file %s has mode %#o; make it readable by its owner only (chmod 600)", path, st.Mode().Perm())
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k := len([]rune(line)); k < MinTokenLength {
			return nil, "", fmt.Errorf("%s:%d: the token has %d characters: a token needs at least %d (a generated one has 43)", path, n, k, MinTokenLength)
		}
		tokens = append(tokens, line)
	}
	if err := sc.Err(); err != nil {
		return nil, "", err
	}
	if len(tokens) == 0 {
		return nil, "", fmt.Errorf("%s holds no token", path)
	}
	return tokens, warn, nil
}

// LoadOrCreateToken returns the tokens stored in dir/token, creating the file
// (mode 0600) with a new token first if it does not exist. created is true
// when this call made it. Concurrent callers sharing dir (receivers on
// shared storage) end up with the same token: the file is written aside and
// linked into place, and a loser of the race reads the winner's file.
func LoadOrCreateToken(dir string) (tokens []string, path string, created bool, warn string, err error) {
	path = filepath.Join(dir, TokenFileName)
	tokens, warn, err = ReadTokenFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return tokens, path, false, warn, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, path, false, "", err
	}
	tok, err := GenerateToken()
	if err != nil {
		return nil, path, false, "", err
	}
	tmp, err := os.CreateTemp(dir, ".token-*")
	if err != nil {
		return nil, path, false, "", err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, path, false, "", err
	}
	content := "# tslogs serve token (Authorization: Bearer <token>, or the password of HTTP Basic)\n" + tok + "\n"
	_, err = tmp.WriteString(content)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, path, false, "", err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			tokens, warn, err = ReadTokenFile(path)
			return tokens, path, false, warn, err
		}
		// No hard links on this file system: create the file exclusively.
		if err := writeNew(path, content); err != nil {
			if errors.Is(err, fs.ErrExist) {
				tokens, warn, err = ReadTokenFile(path)
				return tokens, path, false, warn, err
			}
			return nil, path, false, "", err
		}
	}
	if err := syncDir(dir); err != nil {
		return nil, path, false, "", err
	}
	return []string{tok}, path, true, "", nil
}

// writeNew creates path (which must not exist) with mode 0600 and content.
func writeNew(path, content string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// authenticator checks request credentials against the tokens in constant
// time (SHA-256 digests of equal length, compared with crypto/subtle, every
// token every time).
type authenticator struct {
	sums [][sha256.Size]byte
}

func newAuthenticator(tokens []string) (*authenticator, error) {
	if len(tokens) == 0 {
		return nil, errors.New("no token")
	}
	a := &authenticator{}
	for i, t := range tokens {
		if n := len([]rune(t)); n < MinTokenLength {
			return nil, fmt.Errorf("token %d has %d characters: a token needs at least %d (a generated one has 43)", i+1, n, MinTokenLength)
		}
		a.sums = append(a.sums, sha256.Sum256([]byte(t)))
	}
	return a, nil
}

// credential extracts the token from the Authorization header:
// "Bearer <token>" (Panther destination), "Splunk <token>" (Splunk HEC) or
// HTTP Basic with the token as password and any user name (Tailscale's
// Splunk destination). present is false without an Authorization header.
func credential(r *http.Request) (token string, present bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false
	}
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	rest = strings.TrimSpace(rest)
	switch {
	case strings.EqualFold(scheme, "Bearer"), strings.EqualFold(scheme, "Splunk"):
		return rest, true
	case strings.EqualFold(scheme, "Basic"):
		if _, pass, ok := r.BasicAuth(); ok {
			return pass, true
		}
	}
	return "", true
}

// check reports whether the request carries a valid token, and whether it
// carried an Authorization header at all.
func (a *authenticator) check(r *http.Request) (ok, present bool) {
	tok, present := credential(r)
	sum := sha256.Sum256([]byte(tok))
	match := 0
	for i := range a.sums {
		match |= subtle.ConstantTimeCompare(sum[:], a.sums[i][:])
	}
	return match == 1 && tok != "", present
}

// syncDir fsyncs a directory, so that entries created in it survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	d.Close()
	if err != nil && runtime.GOOS == "windows" {
		return nil
	}
	return err
}
