package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
)

// Emulator is a `leasefile emulator serve` process with its leases in a --data file.
type Emulator struct {
	DataFile string
	// Env is the OS_* environment it printed (password auth as the demo user at CHI@UC).
	Env  []string
	Args []string

	cmd    *exec.Cmd
	stderr bytes.Buffer
	done   chan struct{}
}

// StartEmulator serves an emulator from bin with its data file in dataDir and its env file
// in a directory of its own (the env file holds the demo password, which is the emulator's
// to print, not leasefile's). extra are more `emulator serve` flags.
func StartEmulator(bin, dataDir string, extra ...string) (*Emulator, error) {
	envDir, err := os.MkdirTemp("", "reliability-emu-")
	if err != nil {
		return nil, err
	}
	e := &Emulator{DataFile: filepath.Join(dataDir, "emulator.json"), done: make(chan struct{})}
	envFile := filepath.Join(envDir, "emu.env")
	e.Args = append([]string{"emulator", "serve", "--data", e.DataFile, "--env-file", envFile}, extra...)
	e.cmd = exec.Command(bin, e.Args...)
	e.cmd.Stderr = &e.stderr
	e.cmd.SysProcAttr = childAttr()
	e.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + envDir}
	if err := e.cmd.Start(); err != nil {
		os.RemoveAll(envDir)
		return nil, err
	}
	go func() { _ = e.cmd.Wait(); close(e.done) }()
	defer os.RemoveAll(envDir)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		b, err := os.ReadFile(envFile)
		if err == nil {
			e.Env = parseExports(string(b))
			return e, nil
		}
		select {
		case <-e.done:
			return nil, fmt.Errorf("leasefile %s exited: %s", strings.Join(e.Args, " "), e.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			e.Stop()
			return nil, fmt.Errorf("leasefile %s: no env file after 30s", strings.Join(e.Args, " "))
		}
	}
}

// parseExports reads `export K=V` lines, undoing the single quotes the emulator adds.
func parseExports(s string) []string {
	var env []string
	for _, line := range strings.Split(s, "\n") {
		kv, ok := strings.CutPrefix(strings.TrimSpace(line), "export ")
		if !ok {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
			v = strings.ReplaceAll(v[1:len(v)-1], `'\''`, `'`)
		}
		env = append(env, k+"="+v)
	}
	return env
}

// Getenv returns one variable of Env.
func (e *Emulator) Getenv(k string) string {
	for _, kv := range e.Env {
		if v, ok := strings.CutPrefix(kv, k+"="); ok {
			return v
		}
	}
	return ""
}

// Stop interrupts the emulator (it saves and exits 0) and returns what it wrote on stderr.
func (e *Emulator) Stop() string {
	if e.cmd.Process != nil {
		_ = e.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-e.done:
		case <-time.After(10 * time.Second):
			_ = e.cmd.Process.Kill()
			<-e.done
		}
	}
	return e.stderr.String()
}

// Lease is a lease as the emulator's data file holds it.
type Lease struct {
	ID, Name, ProjectID, Site string
	Start, End                time.Time
}

// Leases reads every lease of every site from the data file and its journal. The emulator
// replaces the file atomically and appends whole lines to the journal, so a read never sees
// half a mutation.
func (e *Emulator) Leases() ([]Lease, error) {
	b, err := emulator.ReadData(e.DataFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var p struct {
		Sites map[string][]struct {
			ID        string    `json:"id"`
			Name      string    `json:"name"`
			ProjectID string    `json:"project_id"`
			Start     time.Time `json:"start"`
			End       time.Time `json:"end"`
		} `json:"sites"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("emulator data file: %w", err)
	}
	var out []Lease
	for site, ls := range p.Sites {
		for _, l := range ls {
			out = append(out, Lease{ID: l.ID, Name: l.Name, ProjectID: l.ProjectID, Site: site, Start: l.Start, End: l.End})
		}
	}
	return out, nil
}

// countLeases is len(Leases()), 0 when the file cannot be read yet.
func (e *Emulator) countLeases() int {
	ls, _ := e.Leases()
	return len(ls)
}

// CreateBehindBack creates a one-host lease named name through the Blazar API as the demo
// user, the way another client (the GUI, a notebook) would: the self-test's duplicate.
func (e *Emulator) CreateBehindBack(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	authURL := e.Getenv("OS_AUTH_URL")
	body := `{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "` + e.Getenv("OS_USERNAME") +
		`", "domain": {"name": "Default"}, "password": "` + e.Getenv("OS_PASSWORD") +
		`"}}}, "scope": {"project": {"name": "` + e.Getenv("OS_PROJECT_NAME") + `", "domain": {"name": "Default"}}}}}`
	req, _ := http.NewRequestWithContext(ctx, "POST", authURL+"/auth/tokens", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	tok := resp.Header.Get("X-Subject-Token")
	if resp.StatusCode != http.StatusCreated || tok == "" {
		return fmt.Errorf("auth: %s", resp.Status)
	}
	blazar := strings.TrimSuffix(authURL, "/identity/v3") + "/reservation/v1"
	end := time.Now().UTC().Add(time.Hour).Format("2006-01-02 15:04")
	lease := `{"name": "` + name + `", "start_date": "now", "end_date": "` + end + `", "events": [], "before_end_date": null,
	  "reservations": [{"resource_type": "physical:host", "min": 1, "max": 1, "hypervisor_properties": "", "resource_properties": ""}]}`
	req, _ = http.NewRequestWithContext(ctx, "POST", blazar+"/leases", strings.NewReader(lease))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Auth-Token", tok)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("create lease: %s", resp.Status)
	}
	return nil
}
