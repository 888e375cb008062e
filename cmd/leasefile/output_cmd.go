package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

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
	Start        string                        `json:"start"`
	End          string                        `json:"end"`
	Reservations map[string]*reservationOutput `json:"reservations"`
}

type reservationOutput struct {
	ID          string   `json:"id"`
	Type        string   `json:"type"`
	Addresses   []string `json:"addresses,omitempty"`    // floating IPs, once ACTIVE
	NetworkName string   `json:"network_name,omitempty"` // network reservations
	Count       int      `json:"count,omitempty"`        // resources reserved (max), or addresses
}

func (a *app) outputCommand() *cli.Command {
	var jsonOut, raw bool
	return &cli.Command{
		Name:      "output",
		Usage:     "print lease and reservation IDs, status, window and floating IPs for the next tool",
		UsageText: "leasefile output [-json | -raw] [ADDRESS]",
		Description: "ADDRESS is a lease key, or a path below it: training, training.id, training.status,\n" +
			"training.gpus.id, training.ip.addresses. -raw prints one value bare (a list one per line).\n" +
			"IDs come from the state; status and floating IPs are read from Blazar and Neutron.\n\n" +
			"Example:\n  openstack server create --hint reservation=$(leasefile output -raw training.gpus.id) ...",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print JSON", Destination: &jsonOut},
			&cli.BoolFlag{Name: "raw", Usage: "print one value with no quoting", Destination: &raw},
		},
		Action: func(ctx context.Context, c *cli.Command) error {
			if jsonOut && raw {
				return flagError(c, "-json and -raw conflict: choose one")
			}
			addr := c.Args().First()
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
			case jsonOut:
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
	return parts[2] == "addresses" || parts[2] == "count"
}

// outputs gathers the outputs of every lease in the state, reading live status and floating
// IPs only when the address needs them.
func (a *app) outputs(ctx context.Context, s *session, addr string) (map[string]*leaseOutput, error) {
	outs := map[string]*leaseOutput{}
	for _, k := range s.state.Keys() {
		l, _ := s.state.Lease(k)
		o := &leaseOutput{ID: l.ID, Name: l.Name, Site: l.Site, Status: l.Status,
			Start: fmtTime(l.Start), End: fmtTime(l.End), Reservations: map[string]*reservationOutput{}}
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
	for k, o := range outs {
		if only != "" && only != k {
			continue
		}
		l, ok := byID[o.ID]
		if !ok {
			o.Status = "DELETED"
			continue
		}
		o.Status = l.Status
		o.Start, o.End = fmtTime(l.StartDate), fmtTime(l.EndDate)
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
	case "count":
		return r.Count, nil
	}
	return nil, fmt.Errorf("reservation %s.%s has no output %q (id, type, addresses, network_name, count)", parts[0], parts[1], parts[2])
}

func (a *app) printRaw(v any, addr string) error {
	switch v := v.(type) {
	case string:
		fmt.Fprintln(a.stdout, v)
	case int:
		fmt.Fprintln(a.stdout, v)
	case []string:
		for _, s := range v {
			fmt.Fprintln(a.stdout, s)
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
	fmt.Fprintf(a.stdout, "%q\n", fmt.Sprint(v))
	return nil
}

func (a *app) printLeaseOutput(k string, o *leaseOutput) {
	fmt.Fprintf(a.stdout, "%s.id = %q\n%s.name = %q\n%s.status = %q\n%s.start = %q\n%s.end = %q\n", k, o.ID, k, o.Name, k, o.Status, k, o.Start, k, o.End)
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
	}
}
