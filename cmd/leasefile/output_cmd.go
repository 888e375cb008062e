package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/chameleoncloud/leasefile/blazar"
	"github.com/chameleoncloud/leasefile/blazar/leases"
	"github.com/urfave/cli/v3"
)

// leaseOutput is what output shows of one lease, the hand-off to the next tool.
type leaseOutput struct {
	ID           string                        `json:"id"`
	Name         string                        `json:"name"`
	Site         string                        `json:"site"`
	Status       string                        `json:"status"`
	Start        time.Time                     `json:"start,omitzero"` // RFC 3339 in JSON
	End          time.Time                     `json:"end,omitzero"`
	Reservations map[string]*reservationOutput `json:"reservations"`
}

type reservationOutput struct {
	ID             string       `json:"id"`
	Type           string       `json:"type"`
	Addresses      []string     `json:"addresses,omitempty"`       // floating IPs, once ACTIVE
	NetworkName    string       `json:"network_name,omitempty"`    // network reservations
	NetworkID      string       `json:"network_id,omitempty"`      // its Neutron network, once ACTIVE
	SegmentationID int          `json:"segmentation_id,omitempty"` // its VLAN
	Hosts          []hostOutput `json:"hosts,omitempty"`           // node reservations: the hosts held
	Devices        []string     `json:"devices,omitempty"`         // device reservations: the devices held
	Count          int          `json:"count,omitempty"`           // resources reserved (max), or addresses
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
			addr := c.Args().First()
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
			s, err := a.openSession(ctx, specOptional)
			if err != nil {
				return err
			}
			defer s.close()
			outs, err := a.outputs(ctx, s, addr)
			if err != nil {
				return err
			}
			var value any = outs
			if addr != "" {
				if value, err = lookupAddress(outs, addr); err != nil {
					return err
				}
			}
			switch {
			case raw:
				return a.printRaw(value, addr)
			case format == "env" || format == "tfvars" || format == "github":
				return writeHandoff(a.stdout, format, flatOutputs(outs, addr))
			case format == "json":
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(value)
			}
			return a.printOutputs(value, addr)
		},
	}
}

// needsLive reports whether the address asks for something only Blazar or Neutron knows
// (status, floating IPs, counts); IDs, names and the window come from the state alone.
func needsLive(addr string) bool {
	parts := strings.Split(addr, ".")
	switch len(parts) {
	case 1:
		return true
	case 2:
		switch parts[1] {
		case "id", "name", "site", "start", "end":
			return false
		}
		return true
	}
	switch parts[2] {
	case "addresses", "count", "hosts", "devices", "network_id", "segmentation_id":
		return true
	}
	return false
}

// outputs gathers the outputs of every lease in the state, reading live status and floating
// IPs only when the address needs them.
func (a *app) outputs(ctx context.Context, s *session, addr string) (map[string]*leaseOutput, error) {
	outs := map[string]*leaseOutput{}
	for _, k := range s.state.Keys() {
		l, _ := s.state.Lease(k)
		o := &leaseOutput{ID: l.ID, Name: l.Name, Site: l.Site, Status: l.Status,
			Start: l.Start, End: l.End, Reservations: map[string]*reservationOutput{}}
		for rk, r := range l.Reservations {
			// The network name is the one Blazar was sent, recorded in the state: Chameleon's
			// Blazar does not return it, and the Leasefile may have moved on since.
			o.Reservations[rk] = &reservationOutput{ID: r.ID, Type: r.ResourceType, NetworkName: r.NetworkName}
		}
		outs[k] = o
	}
	if len(outs) == 0 {
		return nil, fmt.Errorf("the state (%s) holds no leases: run leasefile apply first", displayPath(a, s.statePath))
	}
	if !needsLive(addr) {
		return outs, nil
	}
	only := strings.Split(addr, ".")[0]
	var sites []string
	seen := map[string]bool{}
	for k, o := range outs {
		if (only == "" || only == k) && !seen[o.Site] {
			seen[o.Site] = true
			sites = append(sites, o.Site)
		}
	}
	sort.Strings(sites)
	if err := s.connect(ctx, sites); err != nil {
		return nil, err
	}
	live, err := s.live(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[string]leases.Lease{}
	for _, list := range live {
		for _, l := range list {
			byID[l.ID] = l
		}
	}
	listers := map[string]*resourceLister{}
	for _, k := range slices.Sorted(maps.Keys(outs)) {
		o := outs[k]
		if only != "" && only != k {
			continue
		}
		l, ok := byID[o.ID]
		if !ok {
			o.Status = "DELETED"
			continue
		}
		o.Status = l.Status
		o.Start, o.End = l.StartDate.UTC(), l.EndDate.UTC()
		for _, r := range l.Reservations {
			for _, ro := range o.Reservations {
				if ro.ID != r.ID {
					continue
				}
				if r.Max != nil {
					ro.Count = *r.Max
				}
				if r.Amount != nil {
					ro.Count = *r.Amount
				}
				if r.ResourceType == "virtual:floatingip" && s.sites[o.Site].Network != nil {
					addrs, err := blazar.ReservedFloatingIPs(ctx, s.sites[o.Site].Network, r.ID)
					if err != nil {
						return nil, fmt.Errorf("lease %s: floating IPs: %w", k, err)
					}
					ro.Addresses = addrs
				}
			}
		}
		lister := listers[o.Site]
		if lister == nil {
			lister = &resourceLister{a: a, site: s.sites[o.Site], denied: map[string]bool{}}
			listers[o.Site] = lister
		}
		if err := lister.fill(ctx, k, o); err != nil {
			return nil, err
		}
	}
	return outs, nil
}

// lookupAddress walks key[.reservation][.field] through the outputs.
func lookupAddress(outs map[string]*leaseOutput, addr string) (any, error) {
	parts := strings.Split(addr, ".")
	o, ok := outs[parts[0]]
	if !ok {
		return nil, fmt.Errorf("no lease %q in the state (have: %s)", parts[0], strings.Join(slices.Sorted(maps.Keys(outs)), ", "))
	}
	if len(parts) == 1 {
		return o, nil
	}
	switch parts[1] {
	case "id":
		return o.ID, nil
	case "name":
		return o.Name, nil
	case "site":
		return o.Site, nil
	case "status":
		return o.Status, nil
	case "start":
		return o.Start, nil
	case "end":
		return o.End, nil
	}
	r, ok := o.Reservations[parts[1]]
	if !ok {
		return nil, fmt.Errorf("lease %s has no output or reservation %q", parts[0], parts[1])
	}
	if len(parts) == 2 {
		return r, nil
	}
	switch parts[2] {
	case "id":
		return r.ID, nil
	case "type":
		return r.Type, nil
	case "addresses":
		return r.Addresses, nil
	case "network_name":
		return r.NetworkName, nil
	case "network_id":
		return r.NetworkID, nil
	case "segmentation_id":
		return r.SegmentationID, nil
	case "hosts":
		return r.Hosts, nil
	case "devices":
		return r.Devices, nil
	case "count":
		return r.Count, nil
	}
	return nil, fmt.Errorf("reservation %s.%s has no output %q (id, type, addresses, network_name, network_id, segmentation_id, hosts, devices, count)", parts[0], parts[1], parts[2])
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
	case []hostOutput:
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
	case map[string]*leaseOutput:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			a.printLeaseOutput(k, v[k])
		}
		return nil
	case *leaseOutput:
		a.printLeaseOutput(addr, v)
		return nil
	case *reservationOutput:
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

func (a *app) printLeaseOutput(k string, o *leaseOutput) {
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
	}
}
