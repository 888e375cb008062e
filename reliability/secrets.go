package reliability

import (
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// tokenRE matches a Keystone token as the emulator issues them (Fernet-like "gAAAAA..."):
// whichever token a run got, it must not show.
var tokenRE = regexp.MustCompile(`gAAAAA[A-Za-z0-9_-]{40,}`)

// secretSet is the distinctive values a scan looks for, by the name it reports.
type secretSet map[string]string

// scan counts every secret (and any token) found in text, naming where it was.
func (s secretSet) scan(t *Trial, where, text string) {
	for name, v := range s {
		if v != "" && strings.Contains(text, v) {
			t.Secrets++
			t.find("%s: contains the value of %s", where, name)
		}
	}
	if tokenRE.MatchString(text) {
		t.Secrets++
		t.find("%s: contains a Keystone token", where)
	}
}

// scanFiles scans every regular file under dir.
func (s secretSet) scanFiles(t *Trial, dir string) int {
	n := 0
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		n++
		rel, _ := filepath.Rel(dir, p)
		s.scan(t, "file "+rel, string(b))
		return nil
	})
	return n
}

// Secrets runs the secrets scan: commands with distinctive credentials (password and
// application-credential auth, a wrong password, a token in OS_TOKEN, --debug) and every
// output stream and every file they wrote searched for them; then the same for a Leasefile
// that expands a credential with ${VAR}.
func (h *Harness) Secrets() []*Trial {
	return []*Trial{h.secretsCommands(), h.secretsInVar()}
}

func (h *Harness) secretsCommands() *Trial {
	t := newTrial("secrets", "commands with distinctive credentials, then every file written")
	secrets := secretSet{
		"OS_PASSWORD":                      "pw-Kq7vX2m9-" + fmt.Sprint(h.cfg.Seed%100000),
		"OS_APPLICATION_CREDENTIAL_SECRET": "acs-Zr4wP8n1-" + fmt.Sprint(h.cfg.Seed%100000),
		"a wrong OS_PASSWORD":              "wrongpw-Hd3sL6b0",
	}
	inv, err := h.inventory(secrets["OS_PASSWORD"], secrets["OS_APPLICATION_CREDENTIAL_SECRET"])
	if err != nil {
		return setupFailed(t, err)
	}
	f, err := h.fixture(t, "--inventory", inv)
	if err != nil {
		return setupFailed(t, err)
	}
	defer f.close(t)
	tok, err := f.Emu.token(secrets["OS_PASSWORD"])
	if err != nil {
		return setupFailed(t, err)
	}
	secrets["OS_TOKEN"] = tok
	commands := 0
	run := func(env []string, args ...string) *Result {
		rn := *f.Run
		rn.Env = append(append(append([]string(nil), f.Run.Env...), "OS_TOKEN="+tok), env...)
		r := rn.Run(args...)
		commands++
		t.observe(r)
		secrets.scan(t, "stdout of leasefile "+strings.Join(args, " "), r.Stdout)
		secrets.scan(t, "stderr of leasefile "+strings.Join(args, " "), r.Stderr)
		return r
	}
	pw := []string{"OS_PASSWORD=" + secrets["OS_PASSWORD"]}
	appcred := []string{"OS_AUTH_TYPE=v3applicationcredential", "OS_USERNAME=", "OS_PASSWORD=", "OS_PROJECT_NAME=",
		"OS_APPLICATION_CREDENTIAL_ID=demo-appcred", "OS_APPLICATION_CREDENTIAL_SECRET=" + secrets["OS_APPLICATION_CREDENTIAL_SECRET"]}
	lf, _ := Leasefile(f.Prefix, 3, "created", "1h")
	if err := writeFile(f.Dir, "Leasefile", lf); err != nil {
		return setupFailed(t, err)
	}
	must := func(r *Result) {
		if r.Exit != 0 && r.Exit != 2 {
			t.find("command failed: %s", r.Short())
		}
	}
	must(run(pw, "validate"))
	must(run(pw, "plan"))
	must(run(pw, "--debug", "plan", "-out", "first.plan"))
	must(run(pw, "show", "first.plan"))
	must(run(pw, "show", "-json", "first.plan"))
	must(run(pw, "plan", "-format", "markdown"))
	must(run(pw, "plan", "-json"))
	must(run(pw, "--debug", "apply", "first.plan"))
	must(run(pw, "output"))
	must(run(pw, "output", "-json"))
	must(run(pw, "state", "list"))
	must(run(pw, "state", "show", "l0"))
	must(run(pw, "show"))
	must(run(appcred, "--debug", "plan", "-detailed-exitcode"))
	if r := run([]string{"OS_PASSWORD=" + secrets["a wrong OS_PASSWORD"]}, "--debug", "plan"); r.Exit != 1 {
		t.find("a wrong password did not fail: %s", r.Short())
	}
	r, n, err := killedWhileLocked(t, f, secrets, pw)
	if err != nil {
		return setupFailed(t, err)
	}
	commands += n
	must(r)
	must(run(appcred, "--debug", "apply", "-auto-approve"))
	must(run(pw, "--debug", "destroy", "-auto-approve"))
	files := secrets.scanFiles(t, f.Dir)
	t.Name += fmt.Sprintf(" (%d commands, %d files)", commands, files)
	t.Trials = commands
	return t.doneAll()
}

// killedWhileLocked runs an apply killed while it holds the lock (the lock file is read
// before it is released), then the apply that recovers, scanning each for the secrets. It
// returns the recovery's result and how many commands it ran.
func killedWhileLocked(t *Trial, f *Fixture, secrets secretSet, pw []string) (*Result, int, error) {
	lf, _ := Leasefile(f.Prefix, 5, "created", "2h")
	if err := writeFile(f.Dir, "Leasefile", lf); err != nil {
		return nil, 0, err
	}
	rn := *f.Run
	rn.Env = append(append([]string(nil), f.Run.Env...), pw...)
	p := rn.Start("--debug", "apply", "-auto-approve", "-parallelism", "1")
	lock := filepath.Join(f.Dir, "leasefile.state.json.lock")
	p.Until(30*time.Second, func() bool { return exists(lock) })
	if b, err := os.ReadFile(lock); err == nil {
		secrets.scan(t, "the lock file of a running apply", string(b))
	}
	p.Kill()
	r := p.Wait()
	secrets.scan(t, "output of a killed apply", r.Output())
	if b, err := os.ReadFile(lock); err == nil {
		secrets.scan(t, "the lock file left by a killed apply", string(b))
	}
	r, _ = rn.RunReleasingLock("--debug", "apply", "-auto-approve")
	secrets.scan(t, "output of the recovery apply", r.Output())
	return r, 3, nil
}

// secretsInVar runs a Leasefile whose name_prefix expands OS_APPLICATION_CREDENTIAL_SECRET
// (issue 8 item 1): the secret must reach no output, no file and no lease name.
func (h *Harness) secretsInVar() *Trial {
	t := newTrial("secrets", "a credential in ${VAR} (name_prefix: ${OS_APPLICATION_CREDENTIAL_SECRET}-)")
	secrets := secretSet{"OS_APPLICATION_CREDENTIAL_SECRET": "acs-Yt5uQ3c8-" + fmt.Sprint(h.cfg.Seed%100000)}
	inv, err := h.inventory("demo", secrets["OS_APPLICATION_CREDENTIAL_SECRET"])
	if err != nil {
		return setupFailed(t, err)
	}
	f, err := h.fixture(t, "--inventory", inv)
	if err != nil {
		return setupFailed(t, err)
	}
	defer f.close(t)
	lf := "version: 1\nname_prefix: \"${OS_APPLICATION_CREDENTIAL_SECRET}-\"\ndefaults: {site: CHI@UC, duration: 1h}\n" +
		"leases:\n  a: {wait: created, reservations: {ip: {type: floating_ip}}}\n"
	if err := writeFile(f.Dir, "Leasefile", lf); err != nil {
		return setupFailed(t, err)
	}
	rn := *f.Run
	rn.Env = append(append([]string(nil), f.Run.Env...), "OS_APPLICATION_CREDENTIAL_SECRET="+secrets["OS_APPLICATION_CREDENTIAL_SECRET"])
	commands := 0
	for _, args := range [][]string{{"validate"}, {"plan", "-out", "var.plan"}, {"plan", "-format", "markdown"}, {"apply", "-auto-approve"}, {"output"}} {
		r := rn.Run(args...)
		commands++
		t.observe(r)
		secrets.scan(t, "output of leasefile "+strings.Join(args, " "), r.Output())
	}
	files := secrets.scanFiles(t, f.Dir)
	t.Name += fmt.Sprintf(" (%d commands, %d files)", commands, files)
	t.Trials = commands
	return t.doneAll()
}

// doneAll closes a trial that stands for several commands: each is counted converged
// unless a finding was made.
func (t *Trial) doneAll() *Trial {
	if t.ok {
		t.Converged = t.Trials
	}
	return t
}

// token gets a Keystone token for the demo user with password pw.
func (e *Emulator) token(pw string) (string, error) {
	body := `{"auth": {"identity": {"methods": ["password"], "password": {"user": {"name": "demo", "domain": {"name": "Default"}, "password": "` +
		pw + `"}}}, "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}}}}`
	resp, err := http.Post(e.Getenv("OS_AUTH_URL")+"/auth/tokens", "application/json", strings.NewReader(body))
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if tok := resp.Header.Get("X-Subject-Token"); resp.StatusCode == http.StatusCreated && tok != "" {
		return tok, nil
	}
	return "", fmt.Errorf("auth: %s", resp.Status)
}
