package cloud

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// refreshCache is the refresh-token file ccauth keeps, shared so that one login serves both
// tools: $CC_LOGIN_STATE/refresh_token.json, by default ~/.cache/ccauth/refresh_token.json,
// holding {"refresh_token": "...", "cached_at": 1764581234.567} (cached_at is Python's
// time.time(), seconds since the epoch as a float). ccauth reads only refresh_token; a file
// it cannot parse counts as no login, as in ccauth.
type refreshCache struct {
	path string
}

// refreshCacheFile is the cache's file name inside the state folder.
const refreshCacheFile = "refresh_token.json"

// ccauthCache returns the cache ccauth uses under the environment getenv reads. Like
// ccauth, it expands a leading ~ (also in CC_LOGIN_STATE) and ignores XDG_CACHE_HOME.
func ccauthCache(getenv func(string) string) *refreshCache {
	dir := getenv("CC_LOGIN_STATE")
	if dir == "" {
		dir = "~/.cache/ccauth"
	}
	if dir == "~" || strings.HasPrefix(dir, "~/") {
		home := getenv("HOME")
		if home == "" {
			home, _ = os.UserHomeDir()
		}
		dir = filepath.Join(home, strings.TrimPrefix(dir, "~"))
	}
	return &refreshCache{path: filepath.Join(dir, refreshCacheFile)}
}

// cacheJSON is the file as Python's json.dump writes ccauth's dict: ", " and ": "
// separators, the float's shortest form, no final newline; byte for byte what ccauth writes.
func cacheJSON(token string, now time.Time) ([]byte, error) {
	var tok bytes.Buffer
	enc := json.NewEncoder(&tok)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(token); err != nil {
		return nil, err
	}
	at := strconv.FormatFloat(float64(now.UnixMicro())/1e6, 'f', -1, 64)
	if !strings.Contains(at, ".") {
		at += ".0" // Python prints a float as a float
	}
	return fmt.Appendf(nil, `{"refresh_token": %s, "cached_at": %s}`, bytes.TrimSuffix(tok.Bytes(), []byte("\n")), at), nil
}

// load returns the cached refresh token, "" when there is none. A file that is missing or
// not ccauth's JSON is no login; one that cannot be read is an error, so that a permission
// problem is not mistaken for a logged-out user.
func (c *refreshCache) load() (string, error) {
	data, err := os.ReadFile(c.path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the login cache: %w", err)
	}
	var raw struct {
		RefreshToken string `json:"refresh_token"`
	}
	if json.Unmarshal(data, &raw) != nil {
		return "", nil
	}
	return raw.RefreshToken, nil
}

// save replaces the file atomically with token, mode 0600: a temporary file in the same
// folder, synced, then renamed over the old one, so that ccauth running at the same time
// reads either the old token or the new one, never a torn file.
func (c *refreshCache) save(token string, now time.Time) error {
	if token == "" {
		return nil
	}
	dir := filepath.Dir(c.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save the login cache: %w", err)
	}
	data, err := cacheJSON(token, now)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".refresh_token.*.tmp")
	if err != nil {
		return fmt.Errorf("save the login cache: %w", err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("save the login cache %s: %w", c.path, err)
	}
	if err := f.Chmod(0o600); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("save the login cache %s: %w", c.path, err)
	}
	if err := os.Rename(tmp, c.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("save the login cache %s: %w", c.path, err)
	}
	return nil
}
