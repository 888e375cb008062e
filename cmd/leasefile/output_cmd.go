package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/chameleoncloud/leasefile/outputs"
	"github.com/urfave/cli/v3"
)

// outputOptions are output's argument and flags.
type outputOptions struct {
	addr   string
	raw    bool
	format string // text, json, env, tfvars or github
}

func (a *app) outputCommand() *cli.Command {
	var jsonOut, raw bool
	var format string
	return &cli.Command{
		Name:      "output",
		Usage:     "print lease and reservation IDs, status, window and floating IPs for the next tool",
		UsageText: "leasefile output [-json | -raw | -format FORMAT] [ADDRESS]",
		Description: "ADDRESS is a lease key, or a path below it: training, training.id, training.status,\n" +
			"training.gpus.id, training.ip.addresses, training.gpus.hosts (node reservations: the\n" +
			"hosts held, name and UUID), .devices (device reservations), .network_id and\n" +
			".segmentation_id (network reservations: the Neutron network and its VLAN).\n" +
			"-raw prints one value bare (a list one per line).\n" +
			"IDs come from the state; status, floating IPs, hosts, devices and networks are read from\n" +
			"Blazar and Neutron.\n" +
			"Times are RFC 3339 in -json, -raw and the hand-off formats.\n\n" +
			"Hand-off formats name each value by its address (training.gpus.id):\n" +
			"  -format env     TRAINING_GPUS_ID='...'  safe to source in a shell\n" +
			"  -format tfvars  training_gpus_id = \"...\" Terraform variables (a .tfvars file)\n" +
			"  -format github  training_gpus_id=...    lines for $GITHUB_OUTPUT\n\n" +
			"Example:\n  openstack server create --hint reservation=$(leasefile output -raw training.gpus.id) ...\n" +
			"  source <(leasefile output -format env training)",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print JSON (same as -format json)", Destination: &jsonOut},
			&cli.BoolFlag{Name: "raw", Usage: "print one value with no quoting", Destination: &raw},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "text, json, env, tfvars or github", Destination: &format},
		},
		Action: func(ctx context.Context, c *cli.Command) error {
			if jsonOut && raw {
				return flagError(c, "-json and -raw conflict: choose one")
			}
			if !slices.Contains(outputFormats, format) {
				return fmt.Errorf("unknown -format %q: use %s", format, strings.Join(outputFormats, ", "))
			}
			switch {
			case jsonOut && format != "text" && format != "json":
				return fmt.Errorf("-json and -format %s conflict: use one", format)
			case raw && (jsonOut || format != "text"):
				return fmt.Errorf("-raw prints one bare value: it does not combine with -json or -format")
			case jsonOut:
				format = "json"
			}
			return a.runOutput(ctx, outputOptions{addr: c.Args().First(), raw: raw, format: format})
		},
	}
}

// runOutput gathers the outputs the address o.addr covers and renders them.
func (a *app) runOutput(ctx context.Context, o outputOptions) error {
	s, err := a.openSession(ctx, specOptional)
	if err != nil {
		return err
	}
	defer s.close()
	outs, err := a.outputs(ctx, s, o.addr)
	if err != nil {
		return err
	}
	var value any = outs
	if o.addr != "" {
		if value, err = outputs.Lookup(outs, o.addr); err != nil {
			return err
		}
	}
	switch {
	case o.raw:
		return a.printRaw(value, o.addr)
	case o.format == "env" || o.format == "tfvars" || o.format == "github":
		return writeHandoff(a.stdout, o.format, outputs.Flatten(outs, o.addr))
	case o.format == "json":
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(value)
	}
	return a.printOutputs(value, o.addr)
}

// outputs gathers the outputs of every lease in the state (package outputs), reading live
// status, floating IPs, hosts, devices and networks only when the address needs them.
func (a *app) outputs(ctx context.Context, s *session, addr string) (map[string]*outputs.Lease, error) {
	outs := outputs.FromState(s.state)
	if len(outs) == 0 {
		return nil, &codeError{code: exitError, msg: fmt.Sprintf("the state (%s) holds no leases", s.where()), hint: hintApplyFirst}
	}
	if !outputs.NeedsLive(addr) {
		return outs, nil
	}
	keys, sites := outputs.Covered(outs, addr)
	if err := s.connect(ctx, sites); err != nil {
		return nil, err
	}
	live, err := s.live(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[string]*leases.Lease{}
	for _, list := range live {
		for i := range list {
			byID[list[i].ID] = &list[i]
		}
	}
	listers := map[string]*resourceLister{}
	for _, k := range keys {
		o := outs[k]
		l := byID[o.ID]
		fips := o.Observe(l)
		if l == nil {
			continue
		}
		site := s.sites[o.Site]
		for _, r := range fips {
			if site.Network == nil {
				break
			}
			addrs, err := blazar.ReservedFloatingIPs(ctx, site.Network, r.ID)
			if err != nil {
				return nil, fmt.Errorf("lease %s: floating IPs: %w", k, err)
			}
			r.Addresses = addrs
		}
		lister := listers[o.Site]
		if lister == nil {
			lister = &resourceLister{a: a, retry: s.retrier, site: site, denied: map[string]bool{}}
			listers[o.Site] = lister
		}
		if err := lister.fill(ctx, k, o); err != nil {
			return nil, err
		}
	}
	return outs, nil
}

func (a *app) printRaw(v any, addr string) error {
	switch v := v.(type) {
	case string:
		fmt.Fprintln(a.stdout, v)
	case int:
		fmt.Fprintln(a.stdout, v)
	case time.Time:
		fmt.Fprintln(a.stdout, v.UTC().Format(time.RFC3339))
	case []string:
		for _, s := range v {
			fmt.Fprintln(a.stdout, s)
		}
	case []outputs.Host:
		for _, h := range v {
			fmt.Fprintln(a.stdout, h.Name)
		}
	default:
		return fmt.Errorf("-raw prints one value: %q is a group, name one of its fields (or use -json)", addr)
	}
	return nil
}

func (a *app) printOutputs(v any, addr string) error {
	switch v := v.(type) {
	case map[string]*outputs.Lease:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			a.printLeaseOutput(k, v[k])
		}
		return nil
	case *outputs.Lease:
		a.printLeaseOutput(addr, v)
		return nil
	case *outputs.Reservation:
		b, _ := json.MarshalIndent(v, "", "  ")
		fmt.Fprintln(a.stdout, string(b))
		return nil
	case []string:
		b, _ := json.Marshal(v)
		fmt.Fprintln(a.stdout, string(b))
		return nil
	}
	if t, ok := v.(time.Time); ok {
		v = fmtTime(t)
	}
	fmt.Fprintf(a.stdout, "%q\n", fmt.Sprint(v))
	return nil
}

func (a *app) printLeaseOutput(k string, o *outputs.Lease) {
	fmt.Fprintf(a.stdout, "%s.id = %q\n%s.name = %q\n%s.status = %q\n%s.start = %q\n%s.end = %q\n", k, o.ID, k, o.Name, k, o.Status, k, fmtTime(o.Start), k, fmtTime(o.End))
	for _, rk := range slices.Sorted(maps.Keys(o.Reservations)) {
		r := o.Reservations[rk]
		fmt.Fprintf(a.stdout, "%s.%s.id = %q\n", k, rk, r.ID)
		if r.Type == "virtual:floatingip" {
			b, _ := json.Marshal(r.Addresses)
			if r.Addresses == nil {
				b = []byte("[]")
			}
			fmt.Fprintf(a.stdout, "%s.%s.addresses = %s\n", k, rk, b)
		}
		if r.NetworkName != "" {
			fmt.Fprintf(a.stdout, "%s.%s.network_name = %q\n", k, rk, r.NetworkName)
		}
		if r.NetworkID != "" {
			fmt.Fprintf(a.stdout, "%s.%s.network_id = %q\n", k, rk, r.NetworkID)
		}
		if r.SegmentationID != 0 {
			fmt.Fprintf(a.stdout, "%s.%s.segmentation_id = %d\n", k, rk, r.SegmentationID)
		}
		if r.Hosts != nil {
			b, _ := json.Marshal(r.Hosts)
			fmt.Fprintf(a.stdout, "%s.%s.hosts = %s\n", k, rk, b)
		}
		if r.Devices != nil {
			b, _ := json.Marshal(r.Devices)
			fmt.Fprintf(a.stdout, "%s.%s.devices = %s\n", k, rk, b)
		}
		if r.FlavorID != "" {
			fmt.Fprintf(a.stdout, "%s.%s.flavor_id = %q\n", k, rk, r.FlavorID)
		}
	}
}
