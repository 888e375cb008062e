package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/chameleoncloud/leasefile/emulator"
	"github.com/chameleoncloud/leasefile/state"
	"github.com/urfave/cli/v3"
)

func (a *app) emulatorCommand() *cli.Command {
	return &cli.Command{
		Name:      "emulator",
		Usage:     "run the built-in Keystone + Blazar + Neutron emulator for real clients",
		UsageText: "leasefile emulator serve [options]",
		Description: "The emulator answers like Chameleon's Keystone, Blazar and Neutron, so the\n" +
			"`openstack reservation` CLI, python-chi, gophercloud and leasefile itself work against it offline.\n\n" +
			"Example:\n  leasefile emulator serve --env-file emu.env",
		Commands: []*cli.Command{a.emulatorServeCommand()},
		Before: func(ctx context.Context, c *cli.Command) (context.Context, error) {
			serverGC(a.lookupEnv)
			return ctx, nil
		},
	}
}

// serveOptions are the flags of `emulator serve`.
type serveOptions struct {
	addr, inventory, data, envFile string
	blazar, keystone               string
	cloudsFile                     string
	addrSet                        bool // --addr was given
	allowRemote                    bool
	startDelay, latency, tokenTTL  time.Duration
	eventInterval                  time.Duration
	faultRate                      float64
	faults                         []string // --fault OP:STATUS[:COUNT] or OP:drop[:COUNT]
}

func (a *app) emulatorServeCommand() *cli.Command {
	var o serveOptions
	return &cli.Command{
		Name:      "serve",
		Usage:     "serve the emulator until interrupted, printing the OS_* settings to use it",
		UsageText: "leasefile emulator serve [--addr HOST:PORT] [--data FILE] [--env-file FILE] [--clouds-file FILE] [--inventory FILE]",
		Description: "Prints, on stdout, where it listens, `export OS_...=...` lines for the first site\n" +
			"(CHI@UC by default), a commented clouds.yaml with one entry per site, named as\n" +
			"examples/multisite.yaml expects (chi-uc, chi-tacc, chi-edge; --clouds-file writes it), and\n" +
			"the same as ccauth writes it (auth_type v3chameleonoidc: a device login approved in the browser).\n" +
			"The output is safe to source. Credentials are the demo ones (demo/demo, project demo; the\n" +
			"application credential demo-appcred/demo-secret). It listens on loopback only unless\n" +
			"--allow-remote is given. With --data, leases survive restarts: the file is saved after\n" +
			"every change and on SIGINT/SIGTERM, after which the command exits 0, and it records the\n" +
			"address, so a restart without --addr listens there again and state files keep working.\n\n" +
			"Example:\n" +
			"  leasefile emulator serve --data emu.json --env-file emu.env --clouds-file clouds.yaml &\n" +
			"  . ./emu.env && openstack reservation lease list\n" +
			"  OS_CLIENT_CONFIG_FILE=clouds.yaml leasefile -f examples/multisite.yaml plan",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:0", Usage: "listen address; port 0 picks a free port (with --data: where it listened last, if it did)", Destination: &o.addr},
			&cli.BoolFlag{Name: "allow-remote", Usage: "allow a non-loopback --addr (the demo credentials are public: anyone who can connect can use it)", Destination: &o.allowRemote},
			&cli.StringFlag{Name: "inventory", Usage: "JSON inventory of sites, hosts, devices and floating IPs (default: a Chameleon-like one)", Destination: &o.inventory},
			&cli.StringFlag{Name: "data", Usage: "JSON file persisting the leases across restarts (default: in memory)", Destination: &o.data},
			&cli.StringFlag{Name: "env-file", Usage: "also write the export lines to this file (mode 0600), once the server accepts connections", Destination: &o.envFile},
			&cli.StringFlag{Name: "blazar", Usage: "which Blazar to follow where they differ: chameleon (Chameleon's fork, the default) or upstream; overrides the inventory's", Destination: &o.blazar},
			&cli.StringFlag{Name: "keystone", Usage: "application-credential trusts: legacy (restricted refused, the default), fixed (Keystone's 2025 fix: all refused) or insecure-escalation (all allowed)", Destination: &o.keystone},
			&cli.DurationFlag{Name: "event-interval", Value: emulator.DefaultEventInterval, Usage: "how often Blazar's manager polls its events: a lease starts and ends at the next poll; negative = at once", Destination: &o.eventInterval},
			&cli.StringFlag{Name: "clouds-file", Usage: "also write the clouds.yaml to this file (mode 0600), once the server accepts connections", Destination: &o.cloudsFile},
			&cli.DurationFlag{Name: "start-delay", Value: 10 * time.Second, Usage: "time a lease spends STARTING before ACTIVE, and TERMINATING after its end; negative = immediate", Destination: &o.startDelay},
			&cli.DurationFlag{Name: "latency", Usage: "delay added to every request", Destination: &o.latency},
			&cli.StringSliceFlag{Name: "fault", Usage: "answer the next COUNT calls of OP (create, update, delete, list, get, auth, any) with STATUS, or drop them: `OP:STATUS[:COUNT]` or OP:drop[:COUNT]; start:error[:COUNT] puts the next COUNT leases created into ERROR when they start, with a status_reason (repeatable)", Destination: &o.faults},
			&cli.FloatFlag{Name: "fault-rate", Usage: "probability (0..1) that a Blazar call answers 503", Destination: &o.faultRate},
			&cli.DurationFlag{Name: "token-ttl", Value: time.Hour, Usage: "lifetime of Keystone tokens", Destination: &o.tokenTTL},
		},
		Action: func(ctx context.Context, c *cli.Command) error {
			if c.Args().Present() {
				return &codeError{code: exitError, msg: fmt.Sprintf("emulator serve takes no arguments, got %q", c.Args().First())}
			}
			o.addrSet = c.IsSet("addr")
			return a.serveEmulator(ctx, o)
		},
	}
}

// checkServeOptions refuses settings that would expose the emulator or make no sense.
func checkServeOptions(o serveOptions) error {
	host, _, err := net.SplitHostPort(o.addr)
	if err != nil {
		return &codeError{code: exitError, msg: fmt.Sprintf("--addr %q: want HOST:PORT, such as 127.0.0.1:0", o.addr)}
	}
	if !o.allowRemote && !isLoopbackHost(host) {
		return &codeError{code: exitError,
			msg:  fmt.Sprintf("--addr %q is not a loopback address: the emulator's credentials are public, so anyone who can connect could use it", o.addr),
			hint: hintRemoteAddr}
	}
	if o.faultRate < 0 || o.faultRate > 1 {
		return &codeError{code: exitError, msg: fmt.Sprintf("--fault-rate %g: want a probability between 0 and 1", o.faultRate)}
	}
	for _, f := range o.faults {
		if _, err := parseFault(f); err != nil {
			return &codeError{code: exitError, msg: err.Error()}
		}
	}
	if o.latency < 0 {
		return &codeError{code: exitError, msg: fmt.Sprintf("--latency %s: must not be negative", o.latency)}
	}
	if o.blazar != "" && o.blazar != emulator.BlazarChameleon && o.blazar != emulator.BlazarUpstream {
		return &codeError{code: exitError, msg: fmt.Sprintf("--blazar %q: want %s or %s", o.blazar, emulator.BlazarChameleon, emulator.BlazarUpstream)}
	}
	if k := o.keystone; k != "" && k != emulator.KeystoneLegacy && k != emulator.KeystoneFixed && k != emulator.KeystoneInsecureEscalation {
		return &codeError{code: exitError, msg: fmt.Sprintf("--keystone %q: want %s, %s or %s", k, emulator.KeystoneLegacy, emulator.KeystoneFixed, emulator.KeystoneInsecureEscalation)}
	}
	if o.tokenTTL < 0 {
		return &codeError{code: exitError, msg: fmt.Sprintf("--token-ttl %s: must not be negative", o.tokenTTL)}
	}
	return nil
}

// isLoopbackHost reports whether host can only be reached from this machine. An empty host
// means every interface, so it is not loopback.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (a *app) serveEmulator(ctx context.Context, o serveOptions) error {
	if err := checkServeOptions(o); err != nil {
		return err
	}
	// main already turns SIGINT/SIGTERM into a cancelled ctx; doing it here as well keeps the
	// clean shutdown (and the final save) when run() is called without that wiring.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := startServe(o)
	if err != nil {
		return err
	}
	if err := a.announceServe(srv, o); err != nil {
		_ = srv.Close()
		return err
	}
	<-ctx.Done()
	if err := srv.Close(); err != nil {
		return fmt.Errorf("stopping the emulator: %w", err)
	}
	if o.data != "" {
		fmt.Fprintf(a.stdout, "# leasefile emulator stopped; leases saved in %s\n", o.data)
	} else {
		fmt.Fprintln(a.stdout, "# leasefile emulator stopped")
	}
	return nil
}

// startServe starts the emulator o describes, with its faults injected.
func startServe(o serveOptions) (*emulator.Server, error) {
	cfg := emulator.Config{
		StartDelay: o.startDelay,
		DataFile:   o.data,
		Latency:    o.latency,
		FaultRate:  o.faultRate,
		TokenTTL:   o.tokenTTL,
		Blazar:     o.blazar,
		Keystone:   o.keystone,
		// 0 from a caller that skipped flag parsing means the default, as in Config.
		EventInterval: o.eventInterval,
	}
	if o.inventory != "" {
		inv, err := emulator.LoadInventory(o.inventory)
		if err != nil {
			return nil, err
		}
		cfg.Inventory = inv
	}
	addr := o.addr
	if o.data != "" && !o.addrSet {
		// Clients (and their state files) know the emulator by its auth URL: a restart on the
		// same data listens where the data was last served.
		last, err := emulator.DataFileAddr(o.data)
		if err != nil {
			return nil, err
		}
		if last != "" {
			addr = last
		}
	}
	srv, err := emulator.StartAddr(cfg, addr)
	if err != nil {
		if addr != o.addr {
			return nil, &codeError{code: exitError, msg: fmt.Sprintf("%v (%s last served %s)", err, o.data, addr),
				hint: hintAddrInUse}
		}
		return nil, err
	}
	if o.data != "" {
		if err := srv.Emulator.SetAddr(strings.TrimPrefix(srv.URL, "http://")); err != nil {
			_ = srv.Close()
			return nil, err
		}
	}
	for _, f := range o.faults {
		fault, _ := parseFault(f) // checked above
		srv.InjectFault(fault)
	}
	return srv, nil
}

// announceServe prints how to reach the emulator, then writes the clouds and env files.
func (a *app) announceServe(srv *emulator.Server, o serveOptions) error {
	sites := srv.Sites()
	site := sites[0]
	exports := exportLines(srv.Env(site))

	w := bufio.NewWriter(a.stdout)
	fmt.Fprintf(w, "# leasefile emulator listening on %s (sites: %s); stop it with Ctrl-C\n", srv.URL, strings.Join(sites, ", "))
	blz, ks := srv.Profile()
	fmt.Fprintf(w, "# following %s Blazar, %s Keystone (--blazar, --keystone)\n", blz, ks)
	fmt.Fprintf(w, "# %s, password auth as the demo user:\n", site)
	for _, l := range exports {
		fmt.Fprintln(w, l)
	}
	clouds := srv.CloudsYAMLNamed(emulator.Slug)
	fmt.Fprintf(w, "# clouds.yaml, one entry per site (openstack --os-cloud %s ...; --clouds-file FILE writes it):\n", emulator.Slug(site))
	for _, l := range strings.Split(strings.TrimRight(string(clouds), "\n"), "\n") {
		fmt.Fprintf(w, "#   %s\n", l)
	}
	fmt.Fprintf(w, "# clouds.yaml as ccauth writes it (OpenID Connect device login; approve it on the page it names):\n")
	for _, l := range strings.Split(strings.TrimRight(string(srv.OIDCCloudsYAML()), "\n"), "\n") {
		fmt.Fprintf(w, "#   %s\n", l)
	}
	// Flushed before blocking: scripts read these lines from a pipe while we serve.
	if err := w.Flush(); err != nil {
		return err
	}
	// The env file appears only after everything above: a script that waits for it can
	// connect at once.
	if o.cloudsFile != "" {
		if err := state.WriteAtomic(o.cloudsFile, clouds); err != nil {
			return err
		}
	}
	if o.envFile != "" {
		if err := state.WriteAtomic(o.envFile, []byte(strings.Join(exports, "\n")+"\n")); err != nil {
			return err
		}
	}
	return nil
}

// exportLines turns KEY=VALUE pairs into lines a POSIX shell can source.
func exportLines(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		out = append(out, "export "+k+"="+shellQuote(v))
	}
	return out
}

// shellQuote leaves plain values (URLs, CHI@UC) readable and single-quotes anything else.
func shellQuote(s string) string {
	plain := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./_-", r)) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// faultOps are the kinds of call a --fault can name.
var faultOps = []string{"create", "update", "delete", "list", "get", "auth", "hosts", "devices", "networks", "floatingips", "neutron", "any"}

// parseFault reads OP:STATUS[:COUNT] or OP:drop[:COUNT], or start:error[:COUNT] (the next
// COUNT leases created go to ERROR when they start). A 429 or 503 carries Retry-After: 1.
func parseFault(s string) (emulator.Fault, error) {
	bad := func(why string) (emulator.Fault, error) {
		return emulator.Fault{}, fmt.Errorf("--fault %q: %s (want OP:STATUS[:COUNT] or OP:drop[:COUNT], e.g. create:503:2)", s, why)
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return bad("wrong number of fields")
	}
	f := emulator.Fault{Op: parts[0], Count: 1}
	if f.Op == "start" && parts[1] != "error" {
		return bad("start takes only error, as in start:error")
	}
	if f.Op != "start" && !slices.Contains(faultOps, f.Op) {
		return bad("unknown OP, use one of " + strings.Join(faultOps, ", ") + ", or start:error")
	}
	switch {
	case f.Op == "start":
	case parts[1] == "drop":
		f.Drop = true
	default:
		code, err := strconv.Atoi(parts[1])
		if err != nil || code < 400 || code > 599 {
			return bad("STATUS must be drop or an HTTP error status (400-599)")
		}
		f.Status = code
		if code == 429 || code == 503 {
			f.RetryAfter = 1
		}
	}
	if len(parts) == 3 {
		n, err := strconv.Atoi(parts[2])
		if err != nil || n < 1 {
			return bad("COUNT must be a whole number of at least 1")
		}
		f.Count = n
	}
	return f, nil
}
